// Bare Bun pub/sub peer (run with bun): subscribers join topic "bench", the publisher's frames go
// out through one server.publish each. `floor` and `floor-jwt`: the same server, answering the
// client protocol's hello frame first (lib/protocol-floor.mjs).
import { answerHello } from '../lib/protocol-floor.mjs';

const mode = ['floor', 'floor-jwt'].includes(process.argv[2]) ? process.argv[2] : 'plain';
let clients = 0;

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(request, bun) {
    const publisher = new URL(request.url).searchParams.has('pub');
    if (bun.upgrade(request, { data: mode === 'plain' ? { publisher } : { greeted: false } })) return undefined;
    return new Response('WebSocket only', { status: 400 });
  },
  websocket: {
    perMessageDeflate: false,
    idleTimeout: 0,
    open(ws) {
      if (mode === 'plain' && !ws.data.publisher) ws.subscribe('bench');
    },
    message(ws, message) {
      if (mode === 'plain' || ws.data.greeted) return void server.publish('bench', message);
      ws.data.greeted = true;
      const answer = answerHello(String(message), { verify: mode === 'floor-jwt', clientId: String(++clients) });
      if (answer.refused) return void ws.close(3500, 'invalid token');
      if (answer.subscribed) ws.subscribe('bench');
      ws.send(answer.reply);
    },
  },
});
process.stdout.write(`listening ${server.port}\n`);

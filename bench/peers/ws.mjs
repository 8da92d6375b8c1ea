// Bare `ws` peer. `send`: ws.send per subscriber. `preframed`: frame once, write the same bytes to
// every socket. The publisher connects with ?pub=1 and is not a subscriber.
// `floor` and `floor-jwt`: the same server, answering the client protocol's hello frame first
// (lib/protocol-floor.mjs); later frames (the publisher's `publish` commands) go out pre-framed.
import { Sender, WebSocketServer } from 'ws';
import { answerHello } from '../lib/protocol-floor.mjs';

const MODES = ['send', 'preframed', 'floor', 'floor-jwt'];
const mode = MODES.includes(process.argv[2]) ? process.argv[2] : 'send';
const subscribers = new Set();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false });
let clients = 0;

function frame(data) {
  return Buffer.concat(Sender.frame(data, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));
}

function fanOut(data) {
  if (mode === 'send') {
    for (const subscriber of subscribers) subscriber.send(data, { binary: false });
    return;
  }
  const bytes = frame(data);
  for (const subscriber of subscribers) subscriber._socket.write(bytes);
}

function hello(ws, data) {
  const answer = answerHello(String(data), { verify: mode === 'floor-jwt', clientId: String(++clients) });
  if (answer.refused) return void ws.close(3500, 'invalid token');
  if (answer.subscribed) {
    subscribers.add(ws);
    ws.once('close', () => subscribers.delete(ws));
  }
  ws.send(answer.reply);
  ws.on('message', fanOut);
  // As the gateway does: the receiver's emptied chunk list keeps its grown backing store otherwise.
  if (ws._receiver._buffers.length === 0) ws._receiver._buffers = [];
}

wss.on('connection', (ws, request) => {
  ws.on('error', () => ws.terminate());
  if (mode.startsWith('floor')) return void ws.once('message', (data) => hello(ws, data));
  if (!request.url.includes('pub=1')) {
    subscribers.add(ws);
    ws.on('close', () => subscribers.delete(ws));
    return;
  }
  ws.on('message', fanOut);
});
// Exit on SIGTERM so that `--cpu-prof` writes its profile (BENCH_CPU_PROF).
process.once('SIGTERM', () => process.exit(0));
wss.on('listening', () => process.stdout.write(`listening ${wss.address().port}\n`));

// Bare Bun pub/sub peer (run with bun): subscribers join topic "bench", the publisher's frames go
// out through one server.publish each.
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(request, bun) {
    const publisher = new URL(request.url).searchParams.has('pub');
    if (bun.upgrade(request, { data: { publisher } })) return undefined;
    return new Response('WebSocket only', { status: 400 });
  },
  websocket: {
    perMessageDeflate: false,
    idleTimeout: 0,
    open(ws) {
      if (!ws.data.publisher) ws.subscribe('bench');
    },
    message(_ws, message) {
      server.publish('bench', message);
    },
  },
});
process.stdout.write(`listening ${server.port}\n`);

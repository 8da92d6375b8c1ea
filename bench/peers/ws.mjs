// Bare `ws` peer. `send`: ws.send per subscriber. `preframed`: frame once, write the same bytes to
// every socket. The publisher connects with ?pub=1 and is not a subscriber.
import { Sender, WebSocketServer } from 'ws';

const mode = process.argv[2] === 'preframed' ? 'preframed' : 'send';
const subscribers = new Set();
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false });

function frame(data) {
  return Buffer.concat(Sender.frame(data, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false }));
}

wss.on('connection', (ws, request) => {
  ws.on('error', () => ws.terminate());
  if (!request.url.includes('pub=1')) {
    subscribers.add(ws);
    ws.on('close', () => subscribers.delete(ws));
    return;
  }
  ws.on('message', (data) => {
    if (mode === 'send') {
      for (const subscriber of subscribers) subscriber.send(data, { binary: false });
      return;
    }
    const bytes = frame(data);
    for (const subscriber of subscribers) subscriber._socket.write(bytes);
  });
});
wss.on('listening', () => process.stdout.write(`listening ${wss.address().port}\n`));

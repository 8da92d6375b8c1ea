// Socket.IO v4 peer: WebSocket transport only, every subscriber in room "bench"; the publisher
// (?pub=1) emits "pub" and the server emits "m" to the room.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false, pingInterval: 60_000, pingTimeout: 60_000 });
io.on('connection', (socket) => {
  if (socket.handshake.query.pub === undefined) return void socket.join('bench');
  socket.on('pub', (data) => io.to('bench').emit('m', data));
});
http.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${http.address().port}\n`));

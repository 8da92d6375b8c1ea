// The application back end of the `gateway-connect-proxy` peer: answers Centrifugo connect proxy
// requests at once, naming the user from the request's client id, as a cookie lookup would.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const { client } = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ result: { user: `proxied-${client}` } }));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A tiny gateway stand-in for the client's fallback path: it refuses (or never answers) the
 * WebSocket upgrade, answers the HTTP-streaming connect the way Centrifugo frames it (one JSON
 * reply per line), and records the fallback reports POSTed to /connection/fallback (204).
 */
export interface FallbackPeer {
  base: string;
  reports: unknown[];
  /** Paths of the CORS preflights answered. */
  preflights: string[];
  streams: number;
  close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text;
}

export async function startFallbackPeer(upgrade: 'refuse' | 'hang'): Promise<FallbackPeer> {
  const held: Socket[] = [];
  const peer: FallbackPeer = { base: '', reports: [], preflights: [], streams: 0, close: async () => undefined };
  const server: Server = createServer(async (request, response) => {
    // A page on another origin (the browser test) sends JSON: a CORS preflight first.
    response.setHeader('Access-Control-Allow-Origin', request.headers.origin ?? '*');
    if (request.method === 'OPTIONS') {
      peer.preflights.push(request.url ?? '');
      response.writeHead(204, { 'Access-Control-Allow-Methods': 'POST', 'Access-Control-Allow-Headers': 'Content-Type' }).end();
      return;
    }
    const text = await body(request);
    if (request.method === 'POST' && request.url === '/connection/fallback') {
      peer.reports.push(JSON.parse(text));
      response.writeHead(204).end();
      return;
    }
    // Commands after connect: taken and left unanswered, so the stream stays the one in use (a 404
    // would make the SDK drop the transport and start over).
    if (request.method === 'POST' && request.url === '/emulation') {
      response.writeHead(204).end();
      return;
    }
    if (request.method === 'POST' && request.url === '/connection/http_stream') {
      const connect = JSON.parse(text.split('\n')[0]!) as { id: number };
      peer.streams++;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.write(`${JSON.stringify({ id: connect.id, connect: { client: `peer-${peer.streams}`, version: 'peer', ping: 0 } })}\n`);
      return; // the stream stays open until the client aborts it
    }
    response.writeHead(404).end();
  });
  server.on('upgrade', (_request, socket: Socket) => {
    if (upgrade === 'refuse') socket.destroy();
    else held.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  peer.close = async () => {
    for (const socket of held) socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return peer;
}

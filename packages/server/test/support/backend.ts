import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

/** What the test back end answers to one proxy request. */
export interface BackendAnswer {
  status?: number;
  /** An object is sent as JSON; a string as is (for malformed answers). */
  body?: unknown;
  delayMs?: number;
}

export interface ProxyRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, any>;
}

export interface Backend {
  url: string;
  requests: ProxyRequest[];
  /** Replaces how one path answers. */
  on(path: string, answer: (request: ProxyRequest) => BackendAnswer): void;
  close(): Promise<void>;
}

/**
 * A real HTTP server standing in for the application back end that Centrifugo-style event proxies
 * call: it answers each path as the test says (a result, an error, a disconnect, slowly, 500, or
 * malformed) and records every request it got.
 */
export async function startBackend(): Promise<Backend> {
  const answers = new Map<string, (request: ProxyRequest) => BackendAnswer>();
  const requests: ProxyRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: ProxyRequest = { path: req.url ?? '/', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') };
    requests.push(request);
    const answer = answers.get(request.path)?.(request) ?? { status: 404, body: 'no handler' };
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (res.destroyed) return;
    res.writeHead(answer.status ?? 200, { 'Content-Type': 'application/json' });
    res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on: (path, answer) => void answers.set(path, answer),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

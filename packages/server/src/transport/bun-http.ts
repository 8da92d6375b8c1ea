import type { IncomingMessage, ServerResponse } from 'node:http';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Runs a node:http request listener for a fetch-style `Request` and resolves with its `Response`.
 * It covers what the gateway's routes use (url, method, headers, body iteration; writeHead,
 * setHeader, end, destroy), so the API and health endpoints are the same code on both runtimes.
 */
export function runRequestListener(listener: RequestListener, request: Request, remoteAddress: string | undefined): Promise<Response> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => (headers[name] = value));
  const body = request.body;
  const req = {
    url: url.pathname + url.search,
    method: request.method,
    headers,
    socket: { remoteAddress },
    async *[Symbol.asyncIterator]() {
      if (!body) return;
      for await (const chunk of body) yield Buffer.from(chunk);
    },
  };
  return new Promise((resolve) => {
    const responseHeaders = new Headers();
    let status = 200;
    const res = {
      headersSent: false,
      setHeader(name: string, value: string | number) {
        responseHeaders.set(name, String(value));
      },
      writeHead(code: number, extra: Record<string, string | number> = {}) {
        status = code;
        for (const [name, value] of Object.entries(extra)) responseHeaders.set(name, String(value));
        res.headersSent = true;
      },
      end(text?: string) {
        res.headersSent = true;
        // 204 and 304 must not carry a body (RFC 9110 §15.3.5).
        resolve(new Response(status === 204 || status === 304 ? null : (text ?? null), { status, headers: responseHeaders }));
      },
      destroy() {
        resolve(new Response(null, { status: 500 }));
      },
    };
    listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
}

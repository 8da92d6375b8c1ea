import type { IncomingMessage, ServerResponse } from 'node:http';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const encoder = new TextEncoder();

/**
 * Runs a node:http request listener for a fetch-style `Request` and resolves with its `Response`.
 * It covers what the gateway's routes use (url, method, headers, body iteration; writeHead,
 * setHeader, write, flushHeaders, end, destroy, the `close` event), so the API, health and the
 * HTTP transports are the same code on both runtimes. A response that writes before it ends is
 * streamed: its `Response` resolves at the first write, with a body that grows until `end`.
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
    httpVersionMajor: 1,
    socket: { remoteAddress },
    async *[Symbol.asyncIterator]() {
      if (!body) return;
      for await (const chunk of body) yield Buffer.from(chunk);
    },
  };
  return new Promise((resolve) => {
    const responseHeaders = new Headers();
    const onClose: Array<() => void> = [];
    let status = 200;
    let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      for (const listener of onClose) listener();
    };
    // The client went away (EventSource closed, fetch aborted): the stream ends on our side too.
    request.signal.addEventListener('abort', () => {
      try {
        stream?.close();
      } catch {
        // Already closed.
      }
      close();
    });
    const startStream = () => {
      if (stream) return;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          stream = controller;
        },
        cancel: close,
      });
      res.headersSent = true;
      resolve(new Response(body, { status, headers: responseHeaders }));
    };
    const res = {
      headersSent: false,
      writableEnded: false,
      writableLength: 0,
      setHeader(name: string, value: string | number) {
        responseHeaders.set(name, String(value));
      },
      writeHead(code: number, extra: Record<string, string | number> = {}) {
        status = code;
        for (const [name, value] of Object.entries(extra)) responseHeaders.set(name, String(value));
        res.headersSent = true;
        return res;
      },
      flushHeaders() {
        startStream();
      },
      // Each write is already one enqueued chunk; Bun batches what it sends by itself.
      cork() {},
      uncork() {},
      write(text: string) {
        startStream();
        if (!closed) stream!.enqueue(encoder.encode(text));
        return true;
      },
      end(text?: string) {
        if (res.writableEnded) return;
        res.writableEnded = true;
        if (stream) {
          if (!closed) {
            if (text) stream.enqueue(encoder.encode(text));
            stream.close();
          }
        } else {
          res.headersSent = true;
          // 204 and 304 must not carry a body (RFC 9110 §15.3.5).
          resolve(new Response(status === 204 || status === 304 ? null : (text ?? null), { status, headers: responseHeaders }));
        }
        close();
      },
      on(event: string, listener: () => void) {
        if (event === 'close') onClose.push(listener);
        return res;
      },
      destroy() {
        if (stream && !closed) stream.error(new Error('response destroyed'));
        else resolve(new Response(null, { status: 500 }));
        close();
      },
    };
    listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  });
}

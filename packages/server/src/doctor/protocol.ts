import { rootCertificates } from 'node:tls';
import WebSocket from 'ws';

export type Reply = Record<string, any> & { id?: number };
/** How a request ended: a reply, or the socket closing first. */
export type Answer = { reply: Reply } | { closed: { code: number; reason: string } } | { timeout: true };

/**
 * The doctor's own minimal protocol client (JSON, Centrifugo protocol v2): it must see every raw
 * reply, close code and ping, which the SDK hides behind its state machine.
 */
export class ProtocolSession {
  private nextId = 1;
  private readonly pending = new Map<number, (answer: Answer) => void>();
  private readonly pushListeners = new Set<(push: Record<string, any>) => void>();
  private readonly pingListeners = new Set<() => void>();
  closed: { code: number; reason: string } | undefined;
  /** Whether to answer server pings (the connect result says `pong: true`). */
  answerPings = false;
  pingsSeen = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.receive(data.toString()));
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      for (const resolve of this.pending.values()) resolve({ closed: this.closed });
      this.pending.clear();
    });
    ws.on('error', () => {});
  }

  static open(url: URL, options: { origin?: string; ca?: string; timeoutMs: number }): Promise<ProtocolSession> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        handshakeTimeout: options.timeoutMs,
        ...(options.origin ? { origin: options.origin } : {}),
        ...(options.ca ? { ca: [...rootCertificates, options.ca] } : {}),
      });
      ws.once('open', () => resolve(new ProtocolSession(ws)));
      ws.once('unexpected-response', (_req, res) => {
        ws.terminate();
        reject(new Error(`HTTP ${res.statusCode} on the second handshake`));
      });
      ws.once('error', reject);
    });
  }

  private receive(text: string): void {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let frame: Reply;
      try {
        frame = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof frame.id === 'number' && frame.id > 0) {
        this.pending.get(frame.id)?.({ reply: frame });
        this.pending.delete(frame.id);
      } else if (frame.push) {
        for (const listener of this.pushListeners) listener(frame.push);
      } else if (Object.keys(frame).length === 0) {
        // Protocol v2 ping: an empty object; the pong is an empty object too.
        this.pingsSeen += 1;
        if (this.answerPings) this.ws.send('{}');
        for (const listener of this.pingListeners) listener();
      }
    }
  }

  request(method: string, body: Record<string, unknown>, timeoutMs: number): Promise<Answer> {
    if (this.closed) return Promise.resolve({ closed: this.closed });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ timeout: true });
      }, timeoutMs);
      this.pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.ws.send(JSON.stringify({ id, [method]: body }));
    });
  }

  onPush(listener: (push: Record<string, any>) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  /** Resolves on the next ping, or with the close, or after `ms`. */
  nextPing(ms: number): Promise<'ping' | 'closed' | 'timeout'> {
    if (this.closed) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const done = (result: 'ping' | 'closed' | 'timeout') => {
        clearTimeout(timer);
        this.pingListeners.delete(onPing);
        this.ws.off('close', onClose);
        resolve(result);
      };
      const onPing = () => done('ping');
      const onClose = () => done('closed');
      const timer = setTimeout(() => done('timeout'), ms);
      this.pingListeners.add(onPing);
      this.ws.once('close', onClose);
    });
  }

  close(): void {
    if (!this.closed) this.ws.close(1000, 'doctor done');
  }
}

import WebSocket from 'ws';

/**
 * A bare WebSocket speaking the wire protocol by hand, for what the official client never sends:
 * malformed frames, floods, silence.
 */
export class RawClient {
  readonly messages: any[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      for (const line of data.toString().split('\n')) this.messages.push(JSON.parse(line));
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, options);
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  send(messages: object | object[]): void {
    const list = Array.isArray(messages) ? messages : [messages];
    this.ws.send(list.map((m) => JSON.stringify(m)).join('\n'));
  }

  /** Resolves with the first received message matching `predicate`. */
  async next(predicate: (message: any) => boolean, timeoutMs = 3000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for a matching message');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async connect(token: string): Promise<any> {
    this.send({ id: 1, connect: { token } });
    const reply = await this.next((m) => m.id === 1);
    if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
    return reply.connect;
  }
}

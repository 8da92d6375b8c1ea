import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { secretKey, verify } from '../../src/webhooks/signature.js';

export const newWebhookSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

export interface ReceivedEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, any>;
}

/**
 * A back end's webhook endpoint for tests: verifies each request's Standard Webhooks signature
 * (a bad one gets 401 and is counted), records every delivery (duplicates included) and answers
 * as the test says: 204, an error status, or after a delay.
 */
export class WebhookReceiver {
  readonly deliveries: ReceivedEvent[] = [];
  rejected = 0;
  /** Every request, whatever the answer. */
  requests = 0;
  /** HTTP status to answer with; 204 takes the event. */
  status = 204;
  /** ms to wait before answering. */
  delay = 0;
  private readonly key: Buffer;

  private constructor(
    private readonly server: Server,
    secret: string,
  ) {
    this.key = secretKey(secret);
    server.on('request', (req, res) => void this.handle(req, res));
  }

  static async start(secret: string, port = 0): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server, secret);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/webhooks`;
  }

  /** Each event once, in first-arrival order: what an idempotent back end applies. */
  get events(): ReceivedEvent[] {
    const seen = new Set<string>();
    return this.deliveries.filter((e) => !seen.has(e.id) && seen.add(e.id));
  }

  eventsOf(user: string): ReceivedEvent[] {
    return this.events.filter((e) => e.data.user === user);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = { id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']), signature: String(req.headers['webhook-signature']) };
    if (!verify(this.key, headers, body, Math.floor(Date.now() / 1000))) {
      this.rejected += 1;
      res.writeHead(401).end();
      return;
    }
    // Recorded before the answer: a sender that dies before it hears it must send the event again.
    if (this.status < 300) this.deliveries.push({ id: headers.id, ...(JSON.parse(body) as Omit<ReceivedEvent, 'id'>) });
    if (this.delay > 0) await new Promise((r) => setTimeout(r, this.delay).unref());
    if (!res.destroyed) res.writeHead(this.status).end();
  }
}

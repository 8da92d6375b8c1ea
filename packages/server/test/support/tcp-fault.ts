import { connect, createServer, type Server, type Socket } from 'node:net';

/** One direction of a proxied connection: chunks go out in order, each `delay` ms after it came in. */
class Lane {
  private readonly queue: Array<{ chunk: Buffer; due: number }> = [];
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  static relay(from: Socket, to: Socket, delay: () => number, held: () => boolean): void {
    void new Lane(from, to, delay, held);
  }

  private constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly delay: () => number,
    private readonly held: () => boolean,
  ) {
    from.on('data', (chunk: Buffer) => this.carry(chunk));
    from.on('end', () => {
      this.ended = true;
      if (this.queue.length === 0) to.end();
    });
    to.on('drain', () => this.held() || from.resume());
  }

  private carry(chunk: Buffer): void {
    const wait = this.delay();
    if (wait === 0 && this.queue.length === 0) return this.write(chunk);
    // Never before the chunk ahead of it: a shorter delay set later must not reorder the stream.
    this.queue.push({ chunk, due: Math.max(Date.now() + wait, this.queue.at(-1)?.due ?? 0) });
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      while (this.queue.length > 0 && this.queue[0]!.due <= Date.now()) this.write(this.queue.shift()!.chunk);
      if (this.ended && this.queue.length === 0) this.to.end();
      this.schedule();
    }, Math.max(0, this.queue[0]!.due - Date.now()));
  }

  private write(chunk: Buffer): void {
    if (this.to.destroyed) return;
    if (!this.to.write(chunk)) this.from.pause();
  }
}

/**
 * A TCP proxy the test controls, in front of Redis, PostgreSQL or anything else on loopback: each
 * incoming connection goes to the first target that accepts it (a load balancer when there are
 * several). The faults a network or a server can show, without touching the real service:
 * - `cut()` drops every connection and refuses new ones until `restore()` (a partition);
 * - `pause()` keeps connections, new ones included, but forwards nothing until `resume()` (a hung
 *   or SIGSTOPped server: the peer's kernel still accepts, nothing answers);
 * - `delay(ms)` adds latency each way, 0 to end it;
 * - `reset()` sends RST on every open connection and keeps accepting new ones (a server crash).
 */
export class TcpForwarder {
  private readonly sockets = new Set<Socket>();
  /** Accepted while paused: connected upstream on resume. */
  private readonly waiting: Array<() => void> = [];
  private open = true;
  private paused = false;
  private latency = 0;
  private next = 0;

  private constructor(
    private readonly server: Server,
    private readonly targets: () => number[],
  ) {}

  static async start(targets: () => number[]): Promise<TcpForwarder> {
    const server = createServer();
    const forwarder = new TcpForwarder(server, targets);
    server.on('connection', (socket) => forwarder.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return forwarder;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  /** How many connections (both ends) are open through the proxy. */
  get connections(): number {
    return this.sockets.size;
  }

  cut(): void {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.open = true;
  }

  pause(): void {
    this.paused = true;
    for (const socket of this.sockets) socket.pause();
  }

  resume(): void {
    this.paused = false;
    for (const socket of this.sockets) socket.resume();
    for (const start of this.waiting.splice(0)) start();
  }

  delay(ms: number): void {
    this.latency = ms;
  }

  reset(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cut();
    this.resume();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private accept(client: Socket): void {
    this.track(client);
    if (!this.open) return void client.destroy();
    client.pause();
    if (this.paused) this.waiting.push(() => this.forward(client));
    else this.forward(client);
  }

  private forward(client: Socket): void {
    const targets = this.targets();
    const tryTarget = (attempt: number): void => {
      if (attempt >= targets.length || client.destroyed) return void client.destroy();
      const port = targets[(this.next + attempt) % targets.length]!;
      const upstream = connect(port, '127.0.0.1');
      upstream.once('error', () => tryTarget(attempt + 1));
      upstream.once('connect', () => {
        this.next += 1;
        upstream.removeAllListeners('error');
        this.track(upstream);
        if (!this.open || client.destroyed) return void upstream.destroy();
        const latency = () => this.latency;
        const held = () => this.paused;
        Lane.relay(client, upstream, latency, held);
        Lane.relay(upstream, client, latency, held);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        if (this.paused) upstream.pause();
        else client.resume();
      });
    };
    tryTarget(0);
  }
}

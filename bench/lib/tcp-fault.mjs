import { connect, createServer } from 'node:net';

/** One direction of a proxied connection: chunks go out in order, each `delay` ms after it came in. */
class Lane {
  queue = [];
  timer = undefined;
  ended = false;

  static relay(from, to, delay, held) {
    void new Lane(from, to, delay, held);
  }

  constructor(from, to, delay, held) {
    this.from = from;
    this.to = to;
    this.delay = delay;
    this.held = held;
    from.on('data', (chunk) => this.carry(chunk));
    from.on('end', () => {
      this.ended = true;
      if (this.queue.length === 0) to.end();
    });
    to.on('drain', () => this.held() || from.resume());
  }

  carry(chunk) {
    const wait = this.delay();
    if (wait === 0 && this.queue.length === 0) return this.write(chunk);
    // Never before the chunk ahead of it: a shorter delay set later must not reorder the stream.
    this.queue.push({ chunk, due: Math.max(Date.now() + wait, this.queue.at(-1)?.due ?? 0) });
    this.schedule();
  }

  schedule() {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      while (this.queue.length > 0 && this.queue[0].due <= Date.now()) this.write(this.queue.shift().chunk);
      if (this.ended && this.queue.length === 0) this.to.end();
      this.schedule();
    }, Math.max(0, this.queue[0].due - Date.now()));
  }

  write(chunk) {
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
  sockets = new Set();
  /** Accepted while paused: connected upstream on resume. */
  waiting = [];
  open = true;
  paused = false;
  latency = 0;
  next = 0;

  constructor(server, targets) {
    this.server = server;
    this.targets = targets;
  }

  /** `targets()` is asked on each new connection: the ports to try, in order. */
  static async start(targets) {
    const server = createServer();
    const forwarder = new TcpForwarder(server, targets);
    server.on('connection', (socket) => forwarder.accept(socket));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    return forwarder;
  }

  get port() {
    return this.server.address().port;
  }

  /** How many connections (both ends) are open through the proxy. */
  get connections() {
    return this.sockets.size;
  }

  cut() {
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore() {
    this.open = true;
  }

  pause() {
    this.paused = true;
    for (const socket of this.sockets) socket.pause();
  }

  resume() {
    this.paused = false;
    for (const socket of this.sockets) socket.resume();
    for (const start of this.waiting.splice(0)) start();
  }

  delay(ms) {
    this.latency = ms;
  }

  reset() {
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
  }

  async close() {
    this.cut();
    this.resume();
    await new Promise((resolve) => this.server.close(resolve));
  }

  track(socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  accept(client) {
    this.track(client);
    if (!this.open) return void client.destroy();
    client.pause();
    if (this.paused) this.waiting.push(() => this.forward(client));
    else this.forward(client);
  }

  forward(client) {
    const targets = this.targets();
    const tryTarget = (attempt) => {
      if (attempt >= targets.length || client.destroyed) return void client.destroy();
      const port = targets[(this.next + attempt) % targets.length];
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

import { RawSocket } from './wire.mjs';

/**
 * One subscriber of the reconnect storm, on the client protocol as the SDK speaks it: connect and
 * subscribe in one frame, with `recover` from the last offset it holds once it has one; after a
 * lost connection it comes back with a jittered exponential backoff (100 ms doubling to 2 s, full
 * jitter: the SDK's shape, with shorter bounds so the figure is the server's, not the backoff's).
 *
 * It checks the promise by offsets: each publication exactly once and in order, or a subscribe
 * reply that says `recovered: false` (a gap it was told of). A jump it was not told of is `lost`.
 */
export class StormClient {
  constructor({ host, port, token, channel, stats }) {
    Object.assign(this, { host, port, token, channel, stats });
    this.offset = undefined;
    this.epoch = undefined;
    this.attempt = 0;
    this.subscribed = false;
    this.stopped = false;
    this.socket = undefined;
  }

  start() {
    void this.open();
  }

  stop() {
    this.stopped = true;
    this.socket?.close();
  }

  async open() {
    const socket = new RawSocket((payload) => this.frame(payload.toString()), () => this.lost(socket));
    this.socket = socket;
    try {
      await socket.connect(this.host, this.port, '/connection/websocket', 10_000);
    } catch {
      // The socket's close follows, and brings the retry.
      this.stats.refusedOrFailed += 1;
      return;
    }
    const subscribe = { channel: this.channel };
    if (this.offset !== undefined) Object.assign(subscribe, { recover: true, offset: this.offset, epoch: this.epoch });
    socket.send(`${JSON.stringify({ id: 1, connect: { token: this.token } })}\n${JSON.stringify({ id: 2, subscribe })}`);
  }

  lost(socket) {
    if (socket !== this.socket) return;
    const wasSubscribed = this.subscribed;
    this.subscribed = false;
    if (wasSubscribed) this.stats.onLost(this);
    this.retry();
  }

  retry() {
    if (this.stopped) return;
    this.attempt += 1;
    const cap = Math.min(2000, 100 * 2 ** this.attempt);
    setTimeout(() => void this.open(), Math.random() * cap);
  }

  frame(text) {
    for (const line of text.split('\n')) {
      if (line === '{}') {
        this.socket.send('{}');
        continue;
      }
      const message = JSON.parse(line);
      if (message.id === 2) this.subscribeReply(message);
      else if (message.id === 1 && message.error) this.socket.close();
      else if (message.push?.pub) this.deliver(message.push.pub.offset);
    }
  }

  subscribeReply(message) {
    if (message.error) {
      this.stats.errors.push(`${message.error.code} ${message.error.message}`);
      return this.socket.close();
    }
    const result = message.subscribe;
    if (result.was_recovering && !result.recovered) {
      this.stats.told += 1;
      this.offset = result.offset ?? 0;
    }
    this.epoch = result.epoch;
    if (this.offset === undefined) this.offset = result.offset ?? 0;
    for (const publication of result.publications ?? []) this.deliver(publication.offset);
    this.attempt = 0;
    this.subscribed = true;
    this.stats.onSubscribed(this, result.was_recovering === true);
  }

  deliver(offset) {
    if (offset <= this.offset) this.stats.duplicates += 1;
    else if (offset > this.offset + 1) this.stats.lost += offset - this.offset - 1;
    if (offset > this.offset) this.offset = offset;
  }
}

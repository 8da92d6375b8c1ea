import WebSocket from 'ws';

/**
 * One soak subscriber speaking client protocol v2 (JSON) itself: the official SDK costs too much
 * memory and CPU for thousands of connections in one process beside two gateways on two cores.
 * It does what the SDK does on the wire: connect, subscribe with `recover` from its last offset and
 * epoch after every reconnect or server unsubscribe, and answer pings.
 *
 * It checks its own stream as it goes: publications must come in offset order with no repeat and
 * no hole, except right after a subscribe that answered `recovered: false` (a gap it was told of).
 */
export class SoakSubscriber {
  /** Offsets received twice or out of order, and holes nobody reported: each one a failure. */
  violations = [];
  /** Subscribes answered `recovered: false`: the gaps the server admitted. */
  gaps = 0;
  recoveries = 0;
  received = 0;
  /** The last offset this subscriber holds; undefined until its first subscribe. */
  offset = undefined;
  epoch = undefined;
  subscribed = false;
  /** Left for good (stopped, or a terminal unsubscribe): no longer owes the rest of the stream. */
  gone = false;
  socket = undefined;
  nextId = 1;
  /** Called when the connection is lost while the subscriber means to stay: reconnect from here. */
  onLost = undefined;

  constructor(url, token, channel) {
    this.url = url;
    this.token = token;
    this.channel = channel;
  }

  /** Opens the connection; resolves when subscribed, rejects when that fails. */
  open(timeoutMs = 10_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('subscribe timed out'));
        this.socket?.terminate();
      }, timeoutMs);
      this.whenSubscribed = () => {
        clearTimeout(timer);
        resolve();
      };
      const socket = new WebSocket(this.url);
      this.socket = socket;
      socket.on('open', () => {
        this.subscribed = false;
        const recover = this.offset !== undefined ? { recover: true, offset: this.offset, epoch: this.epoch } : {};
        socket.send(`${JSON.stringify({ id: this.nextId++, connect: { token: this.token, name: 'soak' } })}\n${JSON.stringify({ id: this.nextId++, subscribe: { channel: this.channel, ...recover } })}`);
      });
      socket.on('message', (data) => this.frame(String(data)));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        this.subscribed = false;
        reject(new Error('closed before subscribing'));
        if (!this.gone) this.onLost?.();
      });
    });
  }

  /** Drops the connection (no goodbye), as a network or a closed laptop lid would. */
  drop() {
    this.socket?.terminate();
  }

  close() {
    this.gone = true;
    this.socket?.close();
  }

  frame(text) {
    for (const line of text.split('\n')) {
      if (line === '{}') {
        this.socket.send('{}');
        continue;
      }
      const message = JSON.parse(line);
      if (message.subscribe) this.onSubscribed(message.subscribe);
      else if (message.error && message.id) this.socket.close(3000, 'command failed');
      else if (message.push?.pub) this.onPublication(message.push.pub);
      else if (message.push?.unsubscribe) this.onUnsubscribe(message.push.unsubscribe);
    }
  }

  onSubscribed(result) {
    if (this.offset !== undefined) {
      this.recoveries += 1;
      if (result.recovered !== true || result.epoch !== this.epoch) {
        this.gaps += 1;
        this.offset = undefined;
      }
    }
    // A fresh subscription (or one past a gap) starts at the stream's position now.
    if (this.offset === undefined) this.offset = result.offset ?? 0;
    this.epoch = result.epoch;
    for (const publication of result.publications ?? []) this.onPublication(publication);
    this.subscribed = true;
    this.whenSubscribed?.();
  }

  onPublication(publication) {
    if (!this.subscribed && this.offset === undefined) return;
    this.received += 1;
    const expected = this.offset + 1;
    if (publication.offset !== expected) this.violations.push({ expected, got: publication.offset });
    this.offset = Math.max(this.offset, publication.offset);
  }

  onUnsubscribe({ code }) {
    this.subscribed = false;
    // As the SDK does: from 2500 up the server asks for a new subscribe (with recovery); below, it is final.
    if (code >= 2500) this.socket.send(JSON.stringify({ id: this.nextId++, subscribe: { channel: this.channel, recover: true, offset: this.offset, epoch: this.epoch } }));
    else this.gone = true;
  }
}

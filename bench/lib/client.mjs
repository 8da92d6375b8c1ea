import { PROTOCOLS, countPublications } from './protocols.mjs';
import { HttpStreamSocket } from './http-stream.mjs';
import { RawSocket } from './wire.mjs';

/**
 * One load-generator connection speaking a peer's protocol: resolves `ready()` once subscribed,
 * then counts publications and hands their send stamps to `onStamp` when sampled.
 */
export class BenchClient {
  /** `transport`: http_stream or sse for a gateway subscriber over HTTP; WebSocket otherwise. */
  constructor(protocolName, onDeliver, onStamp, transport) {
    this.protocol = PROTOCOLS[protocolName];
    this.onDeliver = onDeliver;
    this.onStamp = onStamp;
    this.ready = false;
    this.closed = false;
    const onFrame = (payload) => this.frame(payload);
    const onClose = () => (this.closed = true);
    this.socket = transport ? new HttpStreamSocket(transport, onFrame, onClose) : new RawSocket(onFrame, onClose);
  }

  /** Upgrade + protocol hello; rejects on refusal, protocol error or timeout. */
  async open({ host, port, path, role, token, subscribe, timeoutMs }) {
    await this.socket.connect(host, port, this.protocol.path(path, role), timeoutMs);
    if (this.protocol.hello(this, { token, subscribe })) return void (this.ready = true);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('hello timed out')), timeoutMs);
      this.settle = (error) => {
        clearTimeout(timer);
        this.settle = undefined;
        if (error) reject(error);
        else resolve();
      };
    });
  }

  send(text) {
    this.socket.send(text);
  }

  close() {
    this.socket.close();
  }

  frame(payload) {
    if (!this.ready) {
      try {
        if (this.protocol.onHello(this, payload.toString())) {
          this.ready = true;
          this.settle?.();
        }
      } catch (error) {
        this.settle?.(error);
        this.close();
      }
      return;
    }
    const count = countPublications(payload, this.onStamp);
    if (count > 0) return this.onDeliver(count);
    if (payload.length <= 2) {
      const answer = this.protocol.keepAlive(payload.toString());
      if (answer !== undefined) this.send(answer);
    }
  }
}

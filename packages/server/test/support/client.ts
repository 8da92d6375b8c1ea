import { Centrifuge, type Options, type Subscription } from 'centrifuge';
import WebSocket from 'ws';

/** The official client, as a Node back end or a test uses it: `ws` as the WebSocket constructor. */
export function newClient(url: string, options: Partial<Options> = {}): Centrifuge {
  return new Centrifuge(url, { websocket: WebSocket, minReconnectDelay: 50, maxReconnectDelay: 500, timeout: 3000, ...options });
}

export function waitFor<T>(register: (resolve: (value: T) => void) => void, timeoutMs = 5000, what = 'event'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

export function once<T = any>(emitter: { once(event: string, fn: (ctx: T) => void): unknown }, event: string, timeoutMs = 5000): Promise<T> {
  return waitFor<T>((resolve) => emitter.once(event, resolve), timeoutMs, event);
}

/** The `ws` constructor a client gets, keeping every text frame the client receives. */
export function recordingWebSocket(frames: string[]) {
  return class extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.on('message', (data) => frames.push(String(data)));
    }
  };
}

/** The pushes among JSON frames (a frame may hold several messages, one per line). */
export const pushes = (frames: string[]): Array<Record<string, any>> =>
  frames.flatMap((frame) => frame.split('\n')).map((line) => JSON.parse(line)).filter((message) => message.push).map((message) => message.push);

/** Connects a client and resolves with the transport it connected over. */
export async function connectedTransport(client: { connect(): void; once(event: 'connected', fn: (ctx: { transport: string }) => void): unknown }): Promise<string> {
  const ctx = once<{ transport: string }>(client as never, 'connected');
  client.connect();
  return (await ctx).transport;
}

/** Collects publication data of a subscription, in arrival order. */
export function collect(sub: Subscription): unknown[] {
  const seen: unknown[] = [];
  sub.on('publication', (ctx) => seen.push(ctx.data));
  return seen;
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Reads until `done` says the value is as expected, or the time is up; returns the last value read. */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Subscribes and records each publication's offset and data, in arrival order. */
export async function follow(client: Centrifuge, channel: string): Promise<{ sub: Subscription; offsets: number[]; data: unknown[] }> {
  const sub = client.newSubscription(channel);
  const offsets: number[] = [];
  const data: unknown[] = [];
  sub.on('publication', (ctx) => {
    offsets.push(ctx.offset!);
    data.push(ctx.data);
  });
  sub.subscribe();
  await sub.ready(3000);
  return { sub, offsets, data };
}

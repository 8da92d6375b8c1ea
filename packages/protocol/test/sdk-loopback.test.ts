import { Centrifuge as JsonCentrifuge } from 'centrifuge';
import { Centrifuge as ProtobufCentrifuge } from 'centrifuge/build/protobuf';
import { describe, expect, it } from 'vitest';
import {
  decodeFrame,
  decodeProtobufFrame,
  encodeProtobufPush,
  encodeProtobufReply,
  encodePush,
  encodeReply,
  fossilDeltaPublication,
  fossilDeltaPublications,
  joinMessages,
  joinProtobufMessages,
  type ClientMessage,
  type Command,
  type CommandResults,
  type DeltaProtocol,
  type JsonValue,
  type Publication,
  type PushBodies,
  type PushKind,
  type ReplyMethod,
} from '../src/index.js';
import { jsonBytes } from './sdk-codecs.js';

/**
 * The official client, in each of its builds, against a peer that speaks through our codecs only:
 * a WebSocket stand-in hands the SDK's frames to the peer and the peer's frames back to the SDK,
 * asynchronously as a socket would. What the peer decodes is compared across builds, and what the
 * SDK makes of our replies is what its public API returns.
 */

interface Wire {
  decode(frame: unknown): ClientMessage[];
  reply<M extends ReplyMethod>(id: number, method: M, result: CommandResults[M]): string | Uint8Array;
  push<K extends PushKind>(channel: string | undefined, kind: K, body: PushBodies[K]): string | Uint8Array;
  join(messages: (string | Uint8Array)[]): string | Uint8Array;
  /** The data of a publication or reply as the app gets it back as JSON. */
  payload(value: unknown): unknown;
  /** What the app passes as data. */
  data(value: JsonValue): unknown;
}

const wires: Record<DeltaProtocol, Wire> = {
  json: {
    decode: (frame) => decodeFrame(frame as string, 100),
    reply: encodeReply,
    push: encodePush,
    join: (messages) => joinMessages(messages as string[]),
    payload: (value) => value,
    data: (value) => value,
  },
  protobuf: {
    decode: (frame) => decodeProtobufFrame(new Uint8Array(frame as ArrayBuffer), 100),
    reply: encodeProtobufReply,
    push: encodeProtobufPush,
    join: (messages) => joinProtobufMessages(messages as Uint8Array[]),
    payload: (value) => JSON.parse(new TextDecoder().decode(value as Uint8Array)),
    data: jsonBytes,
  },
};

const progress = (step: number) => ({ execution: 'exec_42', step, of: 40, status: 'running', note: `step ${step} of 40 done` });

/** A Centrifugo stand-in with one delta channel `exec:42`, epoch `ep`, offsets counting from 17. */
class Peer {
  readonly received: ClientMessage[] = [];
  socket: LoopbackSocket | undefined;
  offset = 17;
  /** Delta state of the one subscriber: what it received last, if it may get a patch. */
  deltaBase: Publication | undefined;
  connects = 0;
  patchesSent = 0;

  constructor(readonly protocol: DeltaProtocol) {}

  get wire(): Wire {
    return wires[this.protocol];
  }

  receive(frame: unknown): void {
    const replies: (string | Uint8Array)[] = [];
    for (const message of this.wire.decode(frame)) {
      this.received.push(message);
      if (message.method !== 'pong') {
        const reply = this.answer(message);
        if (reply !== undefined) replies.push(reply);
      }
    }
    if (replies.length > 0) this.socket?.deliver(this.wire.join(replies));
  }

  private answer(command: Command): string | Uint8Array | undefined {
    const { wire } = this;
    switch (command.method) {
      case 'connect':
        this.connects++;
        return wire.reply(command.id, 'connect', {
          client: `client-${this.connects}`, version: '0.1.0', data: { welcome: this.connects },
          subs: { 'server:feed': { recoverable: true, positioned: true, epoch: 'e1', offset: 41 } },
        });
      case 'subscribe': {
        const { recover, offset, delta } = command.request;
        const recovered = recover === true && offset === this.offset;
        const missed = recovered ? [this.publish(progress(this.offset + 1))] : [];
        const base = missed.at(-1);
        const publications = delta === 'fossil' ? fossilDeltaPublications(this.protocol, missed) : missed;
        this.deltaBase = recovered ? base : undefined;
        return wire.reply(command.id, 'subscribe', {
          recoverable: true, positioned: true, epoch: 'ep', offset: this.offset, delta: delta === 'fossil',
          recovered, was_recovering: recover === true, publications, data: { joined: command.request.channel },
        });
      }
      case 'publish':
      case 'unsubscribe':
        return wire.reply(command.id, command.method, {});
      case 'presence':
        return wire.reply(command.id, 'presence', { presence: { c1: { user: 'u1', client: 'c1', conn_info: { name: 'Ann' }, chan_info: { role: 'admin' } } } });
      case 'presence_stats':
        return wire.reply(command.id, 'presence_stats', { num_clients: 2, num_users: 1 });
      case 'history':
        return wire.reply(command.id, 'history', { publications: [{ data: progress(16), offset: 16, tags: { kind: 'progress' } }], epoch: 'ep', offset: this.offset });
      case 'rpc':
        return wire.reply(command.id, 'rpc', { data: { echo: command.request.data } });
      default:
        return undefined;
    }
  }

  private publish(data: JsonValue): Publication {
    this.offset++;
    return { data, offset: this.offset };
  }

  /** A live publication on `exec:42`, full for a subscriber without a base, else a patch. */
  pushProgress(step: number): void {
    const publication = this.publish(progress(step));
    const sent = fossilDeltaPublication(this.protocol, publication, this.deltaBase);
    if (sent.delta) this.patchesSent++;
    this.socket?.deliver(this.wire.push('exec:42', 'pub', sent));
    this.deltaBase = publication;
  }
}

/**
 * What a socket hands over: text, or an ArrayBuffer of its own. Encoders may return a Node Buffer
 * that views a shared pool, so the bytes are copied out rather than taking `.buffer`.
 */
const copyOf = (frame: string | Uint8Array): string | ArrayBuffer => (typeof frame === 'string' ? frame : Uint8Array.from(frame).buffer);

class LoopbackSocket {
  static peer: Peer | undefined;
  binaryType = 'blob';
  onopen?: () => void;
  onmessage?: (event: { data: unknown }) => void;
  onclose?: (event: { code: number; reason: string }) => void;
  onerror?: (event: unknown) => void;
  private readonly peer: Peer;

  constructor(_url: string, readonly protocol?: string) {
    this.peer = LoopbackSocket.peer as Peer;
    this.peer.socket = this;
    setImmediate(() => this.onopen?.());
  }

  send(frame: string | Uint8Array): void {
    const data = copyOf(frame);
    setImmediate(() => this.peer.receive(data));
  }

  deliver(frame: string | Uint8Array): void {
    const data = copyOf(frame);
    setImmediate(() => this.onmessage?.({ data }));
  }

  /** The server going away: the SDK reconnects after a 3001. */
  drop(): void {
    setImmediate(() => this.onclose?.({ code: 3001, reason: 'shutdown' }));
  }

  close(): void {
    setImmediate(() => this.onclose?.({ code: 1000, reason: '' }));
  }
}

const nextEvent = <T>(target: { once(event: string, listener: (ctx: T) => void): unknown }, event: string) =>
  new Promise<T>((resolve) => target.once(event, resolve));

async function session(protocol: DeltaProtocol) {
  const peer = new Peer(protocol);
  LoopbackSocket.peer = peer;
  const { wire } = peer;
  const Client = protocol === 'json' ? JsonCentrifuge : ProtobufCentrifuge;
  const client = new Client('ws://127.0.0.1:9/connection/websocket', {
    websocket: LoopbackSocket, token: 'header.payload.sig', data: wire.data({ app: 'web' }), name: 'loopback', version: '1.2.3',
    minReconnectDelay: 1, maxReconnectDelay: 10,
  });
  const sub = client.newSubscription('exec:42', { delta: 'fossil', positioned: true, recoverable: true, joinLeave: true, data: wire.data({ from: 'ui' }) });
  const documents: unknown[] = [];
  sub.on('publication', (ctx) => documents.push(wire.payload(ctx.data)));

  const subscribed = nextEvent<{ data?: unknown }>(sub, 'subscribed');
  sub.subscribe();
  client.connect();
  const first = await subscribed;
  for (let step = 18; step <= 25; step++) peer.pushProgress(step);

  const results = {
    subscribed: wire.payload(first.data),
    publish: await client.publish('chat', wire.data({ text: 'héllo ✓' })),
    presence: Object.entries((await client.presence('chat')).clients).map(([id, info]) => [id, info.user, wire.payload(info.connInfo), wire.payload(info.chanInfo)]),
    presenceStats: await client.presenceStats('chat'),
    history: await client.history('chat', { since: { offset: 10, epoch: 'ep' }, limit: 50, reverse: true }),
    rpc: wire.payload((await client.rpc('sum', wire.data([1, 2]))).data),
  };
  results.history.publications = results.history.publications.map((publication) => ({ ...publication, data: wire.payload(publication.data) }));
  await client.send(wire.data({ typing: true }));

  // The server goes away; the SDK reconnects, recovering its server-side and client-side subscriptions.
  const resubscribed = nextEvent<{ recovered: boolean }>(sub, 'subscribed');
  peer.socket?.drop();
  const again = await resubscribed;
  const last = new Promise<void>((resolve) => sub.on('publication', (ctx) => (wire.payload(ctx.data) as { step: number }).step === 31 && resolve()));
  for (let step = 27; step <= 31; step++) peer.pushProgress(step);
  await last;
  client.disconnect();
  return { received: peer.received, results, documents, recovered: again.recovered, patchesSent: peer.patchesSent };
}

describe('the official SDK, JSON and protobuf builds, against our codecs', () => {
  it('sends the same commands in both builds, gets the same results, and rebuilds every delta publication', async () => {
    const json = await session('json');
    const protobuf = await session('protobuf');

    expect(protobuf.received).toStrictEqual(json.received);
    expect(protobuf.results).toEqual(json.results);
    expect(protobuf.documents).toEqual(json.documents);

    const byMethod = (method: string) => json.received.filter((message) => message.method === method);
    expect(byMethod('connect').map((message) => (message as Command & { method: 'connect' }).request)).toEqual([
      { token: 'header.payload.sig', data: { app: 'web' }, name: 'loopback', version: '1.2.3' },
      { token: 'header.payload.sig', data: { app: 'web' }, name: 'loopback', version: '1.2.3', subs: { 'server:feed': { recover: true, offset: 41, epoch: 'e1' } } },
    ]);
    expect(byMethod('subscribe').map((message) => (message as Command & { method: 'subscribe' }).request)).toEqual([
      { channel: 'exec:42', data: { from: 'ui' }, positioned: true, recoverable: true, join_leave: true, flag: 1, delta: 'fossil' },
      { channel: 'exec:42', data: { from: 'ui' }, positioned: true, recoverable: true, join_leave: true, flag: 1, delta: 'fossil', recover: true, offset: 25, epoch: 'ep' },
    ]);
    expect(byMethod('send')).toEqual([{ id: 0, method: 'send', request: { data: { typing: true } } }]);

    expect(json.results).toEqual({
      subscribed: { joined: 'exec:42' },
      publish: {},
      presence: [['c1', 'u1', { name: 'Ann' }, { role: 'admin' }]],
      presenceStats: { numClients: 2, numUsers: 1 },
      history: { publications: [{ channel: 'chat', data: progress(16), offset: 16, tags: { kind: 'progress' } }], epoch: 'ep', offset: 25 },
      rpc: { echo: [1, 2] },
    });
    // 18..25 live (the first full, then patches), 26 recovered full, 27..31 live patches on it.
    expect(protobuf.recovered).toBe(true);
    expect([json.patchesSent, protobuf.patchesSent]).toEqual([12, 12]);
    expect(protobuf.documents).toEqual([...Array.from({ length: 8 }, (_, i) => progress(18 + i)), progress(26), ...[27, 28, 29, 30, 31].map(progress)]);
  });
});

import type { ClientInfo, Publication, StreamPosition } from '@renum-realtime/protocol';
import type { Logger } from '../log.js';
import {
  UnrecoverablePositionError,
  type Broker,
  type BrokerEventHandler,
  type HistoryOptions,
  type HistoryPage,
  type HistoryQuery,
} from './broker.js';
import type { ControlBus } from './control.js';
import { newEpoch } from './memory.js';
import { RedisControl } from './redis-control.js';
import { RedisLink } from './redis-link.js';
import { RedisPresence } from './redis-presence.js';

export interface RedisBrokerOptions {
  /** `redis://[:password@]host:port[/db]` */
  url: string;
  /** Put before every key and topic, so that several deployments can share one Redis. */
  prefix?: string;
  /** ms before a Redis command counts as failed (API answers "temporarily unavailable"). */
  commandTimeout?: number;
  /** ms a presence entry outlives the last refresh by its node. */
  presenceTtl?: number;
  /** ms between node registry heartbeats; a node leaves `info` after three missed ones. */
  nodeHeartbeat?: number;
}

export const REDIS_DEFAULTS = { prefix: 'renum:', commandTimeout: 1000, presenceTtl: 60_000, nodeHeartbeat: 3000 } as const;

/** Every Redis key and topic name the engine uses. */
export class RedisKeys {
  constructor(readonly prefix: string) {}
  stream = (channel: string) => `${this.prefix}stream.${channel}`;
  meta = (channel: string) => `${this.prefix}meta.${channel}`;
  topic = (channel: string) => `${this.prefix}channel.${channel}`;
  presence = (channel: string) => ({ hash: `${this.prefix}presence.${channel}`, expiry: `${this.prefix}presence-expiry.${channel}` });
  get control(): string {
    return `${this.prefix}control`;
  }
  get nodes() {
    return { hash: `${this.prefix}nodes`, expiry: `${this.prefix}nodes-expiry` };
  }
}

/** A pub/sub message on a channel topic: a publication (with its position when kept), a join or a leave. */
interface TopicMessage {
  p?: Publication;
  o?: number;
  e?: string;
  j?: ClientInfo;
  l?: ClientInfo;
}

function toPosition(offset: unknown, epoch: unknown): StreamPosition {
  return { offset: Number(offset), epoch: String(epoch) };
}

/**
 * Broker for many nodes: publications go through Redis pub/sub (one topic per channel this node
 * has subscribers for), streams live in Redis. It remembers the last position it delivered per
 * channel, so a publication whose offset jumps (or whose epoch changed), or a stream that moved
 * while the link was down, tells the node that its subscribers missed something.
 */
export class RedisBroker implements Broker {
  private handler: BrokerEventHandler | undefined;
  /** Channels with local subscribers → last position seen (undefined: none yet). */
  private readonly positions = new Map<string, StreamPosition | undefined>();

  constructor(
    private readonly link: RedisLink,
    private readonly keys: RedisKeys,
    private readonly presence: RedisPresence,
    private readonly log: Logger,
  ) {}

  available(): boolean {
    return this.link.ready;
  }

  async start(handler: BrokerEventHandler): Promise<void> {
    this.handler = handler;
    this.link.onReconnect(() => this.checkPositions());
  }

  async publish(channel: string, publication: Publication, history: HistoryOptions): Promise<StreamPosition | undefined> {
    const json = JSON.stringify(publication);
    if (history.size > 0 && history.ttl > 0) {
      const metaTtl = Math.max(history.metaTtl, history.ttl);
      const [offset, epoch] = await this.link.run((r) =>
        r.renumPublish(this.keys.stream(channel), this.keys.meta(channel), newEpoch(), json, history.size, history.ttl, metaTtl, this.keys.topic(channel)),
      );
      return toPosition(offset, epoch);
    }
    await this.link.run((r) => r.publish(this.keys.topic(channel), `{"p":${json}}`));
    return undefined;
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    await this.link.run((r) => r.publish(this.keys.topic(channel), JSON.stringify({ j: info })));
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    await this.link.run((r) => r.publish(this.keys.topic(channel), JSON.stringify({ l: info })));
  }

  async subscribe(channel: string): Promise<void> {
    this.positions.set(channel, undefined);
    await this.link.listen(this.keys.topic(channel), (message) => this.receive(channel, message));
    // Read after subscribing: anything published later arrives as a message, so gaps can be told.
    const current = await this.currentPosition(channel);
    if (current && this.positions.has(channel) && this.positions.get(channel) === undefined) this.positions.set(channel, current);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.positions.delete(channel);
    await this.link.unlisten(this.keys.topic(channel));
  }

  async history(channel: string, query: HistoryQuery, history: HistoryOptions): Promise<HistoryPage> {
    const metaTtl = Math.max(history.metaTtl, history.ttl);
    const [top, epoch, entries] = await this.link.run((r) =>
      r.renumHistory(this.keys.stream(channel), this.keys.meta(channel), newEpoch(), metaTtl, query.since?.offset ?? -1, query.limit, query.reverse ? '1' : '0'),
    );
    const position = toPosition(top, epoch);
    if (query.since && query.since.epoch !== '' && query.since.epoch !== position.epoch) throw new UnrecoverablePositionError(channel);
    const publications = entries.map(([id, fields]) => {
      const publication = JSON.parse(fields[fields.indexOf('d') + 1]!) as Publication;
      return { ...publication, offset: Number(id.slice(0, id.indexOf('-'))) };
    });
    return { publications, position };
  }

  async removeHistory(channel: string): Promise<void> {
    await this.link.run((r) => r.del(this.keys.stream(channel)));
  }

  async close(): Promise<void> {
    this.presence.close();
    await this.link.close();
  }

  /** The stream's position now, or undefined when the channel keeps no stream. */
  private async currentPosition(channel: string): Promise<StreamPosition | undefined> {
    const [epoch, top] = await this.link.run((r) => r.hmget(this.keys.meta(channel), 'e', 's'));
    return epoch ? toPosition(top ?? 0, epoch) : undefined;
  }

  private receive(channel: string, text: string): void {
    let message: TopicMessage;
    try {
      message = JSON.parse(text) as TopicMessage;
    } catch {
      this.log.warn({ event: 'broker_message_invalid', channel }, 'pub/sub message is not JSON; ignored');
      return;
    }
    const handler = this.handler;
    if (!handler) return;
    if (message.j) return handler.onJoin(channel, message.j);
    if (message.l) return handler.onLeave(channel, message.l);
    if (!message.p) return;
    if (message.o === undefined) return handler.onPublication(channel, message.p);
    const position = toPosition(message.o, message.e);
    const last = this.positions.get(channel);
    if (!last || last.epoch !== position.epoch || position.offset > last.offset) this.positions.set(channel, position);
    if (last && (last.epoch !== position.epoch || position.offset > last.offset + 1)) {
      this.log.info({ event: 'stream_gap', channel, last, position }, 'publications missed here; subscribers must recover');
      handler.onInsufficientState(channel);
    }
    handler.onPublication(channel, { ...message.p, offset: position.offset }, position);
  }

  /** After a reconnect: any channel whose stream moved while the link was down has a gap here. */
  private async checkPositions(): Promise<void> {
    await Promise.all([...this.positions.keys()].map(async (channel) => {
      const before = this.positions.get(channel);
      let current: StreamPosition | undefined;
      let moved: boolean;
      try {
        current = await this.currentPosition(channel);
        moved = !current ? false : before ? before.epoch !== current.epoch || before.offset !== current.offset : current.offset > 0;
      } catch {
        // Unknown counts as missed: a needless resubscribe beats a silent gap.
        moved = true;
      }
      // A message that arrived meanwhile has already been checked on its own.
      if (!moved || !this.positions.has(channel) || this.positions.get(channel) !== before) return;
      this.positions.set(channel, current);
      this.log.info({ event: 'stream_gap', channel, last: before, position: current }, 'stream moved while Redis was unreachable; subscribers must recover');
      this.handler?.onInsufficientState(channel);
    }));
  }
}

function redactedUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** The Redis engine of a multi-node deployment: broker, presence and control bus on one link. */
export async function createRedisEngine(options: RedisBrokerOptions, log: Logger): Promise<{ broker: RedisBroker; presence: RedisPresence; control: ControlBus }> {
  // Field by field, so that an option passed as undefined keeps its default.
  const settings = {
    url: options.url,
    prefix: options.prefix ?? REDIS_DEFAULTS.prefix,
    commandTimeout: options.commandTimeout ?? REDIS_DEFAULTS.commandTimeout,
    presenceTtl: options.presenceTtl ?? REDIS_DEFAULTS.presenceTtl,
    nodeHeartbeat: options.nodeHeartbeat ?? REDIS_DEFAULTS.nodeHeartbeat,
  };
  const link = new RedisLink({ url: settings.url, commandTimeout: settings.commandTimeout }, log);
  try {
    await link.connect();
  } catch (error) {
    await link.close();
    throw new Error(`cannot connect to Redis at ${redactedUrl(settings.url)}: ${(error as Error).message}`, { cause: error });
  }
  const keys = new RedisKeys(settings.prefix);
  const presence = new RedisPresence(link, keys.presence, settings.presenceTtl, log);
  const broker = new RedisBroker(link, keys, presence, log);
  const control = new RedisControl(link, keys.control, keys.nodes, settings.nodeHeartbeat, log);
  return { broker, presence, control };
}

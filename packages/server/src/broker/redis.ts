import type { ClientInfo, Publication, StreamPosition } from '@renum-realtime/protocol';
import type { Logger } from '../log.js';
import {
  UnrecoverablePositionError,
  type Broker,
  type BrokerEventHandler,
  type HistoryOptions,
  type HistoryPage,
  type HistoryQuery,
  type Idempotency,
} from './broker.js';
import type { ControlBus } from './control.js';
import { newEpoch } from './memory.js';
import { describeShard, redisShards, type RedisShardAddress } from './redis-address.js';
import { RedisControl } from './redis-control.js';
import { RedisKeys } from './redis-keys.js';
import { RedisLink } from './redis-link.js';
import { RedisPresence } from './redis-presence.js';
import { RedisShards } from './redis-shards.js';

export { RedisKeys } from './redis-keys.js';

export interface RedisBrokerOptions {
  /**
   * Where Redis is: one address (`redis://`, `redis+cluster://`, `redis+sentinel://`, see
   * redis-address.ts) or several, one per shard. Ignored when `shards` is given.
   */
  url?: string | string[];
  /** The shards, already resolved from the configuration (`redisShards`). */
  shards?: RedisShardAddress[];
  /** ms to establish a connection to Redis. */
  connectTimeout?: number;
  /** Put before every key and topic, so that several deployments can share one Redis. */
  prefix?: string;
  /** ms before a Redis command counts as failed (API answers "temporarily unavailable"). */
  commandTimeout?: number;
  /** ms a presence entry outlives the last refresh by its node. */
  presenceTtl?: number;
  /** ms between node registry heartbeats; a node leaves `info` after three missed ones. */
  nodeHeartbeat?: number;
}

export const REDIS_DEFAULTS = { prefix: 'renum:', commandTimeout: 1000, connectTimeout: 1000, presenceTtl: 60_000, nodeHeartbeat: 3000 } as const;

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
    private readonly shards: RedisShards,
    private readonly keys: RedisKeys,
    private readonly presence: RedisPresence,
    private readonly log: Logger,
  ) {}

  /** Every shard is up; with several shards, a shard that is down fails only its own channels. */
  available(): boolean {
    return this.shards.links.every((link) => link.ready);
  }

  async start(handler: BrokerEventHandler): Promise<void> {
    this.handler = handler;
    for (const link of this.shards.links) link.onReconnect(() => this.checkPositions(link));
  }

  async publish(channel: string, publication: Publication, history: HistoryOptions, idempotency?: Idempotency): Promise<StreamPosition | undefined> {
    const json = JSON.stringify(publication);
    const link = this.shards.of(channel);
    // Without a key the script still gets a result key of the channel's slot (a cluster routes by it), unused.
    const result = this.keys.result(channel, idempotency?.key ?? '');
    const resultTtl = idempotency?.resultTtl ?? 0;
    let offset: number | string;
    let epoch: string;
    if (history.size > 0 && history.ttl > 0) {
      const metaTtl = Math.max(history.metaTtl, history.ttl);
      [offset, epoch] = await link.run((r) =>
        r.renumPublish(this.keys.stream(channel), this.keys.meta(channel), result, newEpoch(), json, history.size, history.ttl, metaTtl, this.keys.topic(channel), link.channelPublish, resultTtl),
      );
    } else if (idempotency) {
      [offset, epoch] = await link.run((r) => r.renumPublishUnkeptOnce(result, `{"p":${json}}`, this.keys.topic(channel), link.channelPublish, resultTtl));
    } else {
      await link.publishChannel(this.keys.topic(channel), `{"p":${json}}`);
      return undefined;
    }
    // A publish without history keeps no position (epoch ''), also when its key is used again with history.
    return epoch === '' ? undefined : toPosition(offset, epoch);
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    await this.shards.of(channel).publishChannel(this.keys.topic(channel), JSON.stringify({ j: info }));
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    await this.shards.of(channel).publishChannel(this.keys.topic(channel), JSON.stringify({ l: info }));
  }

  async subscribe(channel: string): Promise<void> {
    this.positions.set(channel, undefined);
    await this.shards.of(channel).listen(this.keys.topic(channel), (message) => this.receive(channel, message), true);
    // Read after subscribing: anything published later arrives as a message, so gaps can be told.
    const current = await this.currentPosition(channel);
    if (current && this.positions.has(channel) && this.positions.get(channel) === undefined) this.positions.set(channel, current);
  }

  async unsubscribe(channel: string): Promise<void> {
    this.positions.delete(channel);
    await this.shards.of(channel).unlisten(this.keys.topic(channel), true);
  }

  async history(channel: string, query: HistoryQuery, history: HistoryOptions): Promise<HistoryPage> {
    const metaTtl = Math.max(history.metaTtl, history.ttl);
    const [top, epoch, entries, epochBeforeFailover, topBeforeFailover] = await this.shards.of(channel).run((r) =>
      r.renumHistory(this.keys.stream(channel), this.keys.meta(channel), newEpoch(), metaTtl, query.since?.offset ?? -1, query.limit, query.reverse ? '1' : '0'),
    );
    const position = toPosition(top, epoch);
    const since = query.since;
    // A position of the epoch before a failover is good up to what the promoted replica had.
    const survivedFailover = since?.epoch === epochBeforeFailover && since.offset <= Number(topBeforeFailover);
    if (since && since.epoch !== '' && since.epoch !== position.epoch && !survivedFailover) throw new UnrecoverablePositionError(channel);
    const publications = entries.map(([id, fields]) => {
      const publication = JSON.parse(fields[fields.indexOf('d') + 1]!) as Publication;
      return { ...publication, offset: Number(id.slice(0, id.indexOf('-'))) };
    });
    return survivedFailover ? { publications, position, continuesSince: true } : { publications, position };
  }

  async removeHistory(channel: string): Promise<void> {
    await this.shards.of(channel).run((r) => r.del(this.keys.stream(channel)));
  }

  async close(): Promise<void> {
    this.presence.close();
    await Promise.all(this.shards.links.map((link) => link.close()));
  }

  /** The stream's position now, or undefined when the channel keeps no stream. */
  private async currentPosition(channel: string): Promise<StreamPosition | undefined> {
    const [epoch, top] = await this.shards.of(channel).run((r) => r.hmget(this.keys.meta(channel), 'e', 's'));
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

  /** After a reconnect of a shard: any of its channels whose stream moved while the link was down has a gap here. */
  private async checkPositions(link: RedisLink): Promise<void> {
    const channels = [...this.positions.keys()].filter((channel) => this.shards.of(channel) === link);
    await Promise.all(channels.map(async (channel) => {
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

/** The Redis engine of a multi-node deployment: broker, presence and control bus over one or more shards. */
export async function createRedisEngine(options: RedisBrokerOptions, log: Logger): Promise<{ broker: RedisBroker; presence: RedisPresence; control: ControlBus }> {
  // Field by field, so that an option passed as undefined keeps its default.
  const settings = {
    prefix: options.prefix ?? REDIS_DEFAULTS.prefix,
    commandTimeout: options.commandTimeout ?? REDIS_DEFAULTS.commandTimeout,
    connectTimeout: options.connectTimeout ?? REDIS_DEFAULTS.connectTimeout,
    presenceTtl: options.presenceTtl ?? REDIS_DEFAULTS.presenceTtl,
    nodeHeartbeat: options.nodeHeartbeat ?? REDIS_DEFAULTS.nodeHeartbeat,
  };
  const shards = options.shards ?? redisShards({ ...(options.url ? { address: options.url } : {}) });
  if (shards.length === 0) throw new Error('the Redis engine needs at least one address');
  const links = shards.map((shard) => new RedisLink({ shard, commandTimeout: settings.commandTimeout, connectTimeout: settings.connectTimeout }, log));
  // Every shard must be there at start: a mistyped address is found now, not at the first publish.
  const outcomes = await Promise.allSettled(links.map((link) => link.connect()));
  const failed = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' ? [`${describeShard(shards[i]!)}: ${(outcome.reason as Error).message}`] : []));
  if (failed.length > 0) {
    await Promise.all(links.map((link) => link.close()));
    throw new Error(`cannot connect to Redis at ${failed.join('; ')}`);
  }
  if (links.length > 1) log.info({ event: 'redis_sharding', shards: shards.map(describeShard) }, `redis sharding over ${links.length} shards`);
  const keys = new RedisKeys(settings.prefix);
  const ring = new RedisShards(links);
  const presence = new RedisPresence(ring, keys.presence, settings.presenceTtl, log);
  const broker = new RedisBroker(ring, keys, presence, log);
  // A node's answer takes a Redis round trip to it and one back, and its own Redis calls.
  const control = new RedisControl(ring.first, keys.control, keys.nodes, settings.nodeHeartbeat, log, 2 * settings.commandTimeout);
  return { broker, presence, control };
}

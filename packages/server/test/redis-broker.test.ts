import type { ClientInfo, Publication } from '@renum-realtime/protocol';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnrecoverablePositionError, type Broker, type BrokerEventHandler, type PresenceStore } from '../src/broker/broker.js';
import { MemoryBroker } from '../src/broker/memory.js';
import { createRedisEngine, RedisKeys } from '../src/broker/redis.js';
import { parseShardAddress } from '../src/broker/redis-address.js';
import { RedisLink } from '../src/broker/redis-link.js';
import { createLogger } from '../src/log.js';
import { until } from './support/client.js';
import { dropPrefix, redisUrl, stopRedis, uniquePrefix } from './support/redis.js';

const log = createLogger('silent');
let url: string;
const prefixes: string[] = [];
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  url = await redisUrl();
});

afterAll(async () => {
  for (const close of closers) await close();
  for (const prefix of prefixes) await dropPrefix(url, prefix);
  await stopRedis();
});

class Recorder implements BrokerEventHandler {
  publications: Array<{ channel: string; publication: Publication }> = [];
  joins: ClientInfo[] = [];
  gaps: string[] = [];
  onPublication(channel: string, publication: Publication): void {
    this.publications.push({ channel, publication });
  }
  onJoin(_channel: string, info: ClientInfo): void {
    this.joins.push(info);
  }
  onLeave(): void {}
  onInsufficientState(channel: string): void {
    this.gaps.push(channel);
  }
}

async function redisEngine(prefix = uniquePrefix('broker'), presenceTtl?: number) {
  prefixes.push(prefix);
  const engine = await createRedisEngine({ url, prefix, ...(presenceTtl ? { presenceTtl } : {}) }, log);
  const handler = new Recorder();
  await engine.broker.start(handler);
  closers.push(() => engine.broker.close());
  return { ...engine, handler, prefix };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const history = { size: 3, ttl: 400, metaTtl: 1200 };

const brokers: Array<[string, () => Promise<Broker>]> = [
  ['memory', async () => {
    const broker = new MemoryBroker(Date.now, 50);
    closers.push(() => broker.close());
    return broker;
  }],
  ['redis', async () => (await redisEngine()).broker],
];

describe.each(brokers)('%s broker streams (same semantics on both)', (_name, make) => {
  it('numbers publications from 1, keeps the last history_size, and pages by since/limit/reverse', async () => {
    const broker = await make();
    for (let n = 1; n <= 5; n++) await broker.publish('ch', { data: { n } }, history);
    const all = await broker.history('ch', { limit: -1 }, history);
    expect(all.publications.map((p) => [p.offset, p.data])).toEqual([[3, { n: 3 }], [4, { n: 4 }], [5, { n: 5 }]]);
    expect(all.position.offset).toBe(5);
    const since = await broker.history('ch', { since: { offset: 3, epoch: all.position.epoch }, limit: 1 }, history);
    expect(since.publications.map((p) => p.offset)).toEqual([4]);
    const reverse = await broker.history('ch', { since: { offset: 5, epoch: '' }, limit: -1, reverse: true }, history);
    expect(reverse.publications.map((p) => p.offset)).toEqual([4, 3]);
    expect((await broker.history('ch', { limit: 0 }, history)).publications).toEqual([]);
    await broker.removeHistory('ch');
    const removed = await broker.history('ch', { limit: -1 }, history);
    expect(removed.publications).toEqual([]);
    expect(removed.position).toEqual(all.position);
    await expect(broker.history('ch', { since: { offset: 1, epoch: 'other' }, limit: 1 }, history)).rejects.toBeInstanceOf(UnrecoverablePositionError);
  });

  it('drops publications after history_ttl of silence, and the epoch after the meta ttl', async () => {
    const broker = await make();
    await broker.publish('ttl', { data: 1 }, history);
    const { position } = await broker.history('ttl', { limit: 0 }, history);
    await sleep(history.ttl + 200);
    const afterTtl = await broker.history('ttl', { limit: -1 }, history);
    expect(afterTtl.publications).toEqual([]);
    expect(afterTtl.position).toEqual(position);
    await sleep(history.metaTtl);
    const afterMeta = await broker.history('ttl', { limit: -1 }, history);
    expect(afterMeta.position.offset).toBe(0);
    expect(afterMeta.position.epoch).not.toBe(position.epoch);
    const next = await broker.publish('ttl', { data: 2 }, history);
    expect(next).toEqual({ offset: 1, epoch: afterMeta.position.epoch });
  });

  it('keeps no stream for channels without history', async () => {
    const broker = await make();
    expect(await broker.publish('none', { data: 1 }, { size: 0, ttl: 0, metaTtl: 0 })).toBeUndefined();
  });
});

describe('Redis broker delivery', () => {
  it('delivers publications, joins and leaves of other nodes, only for subscribed channels', async () => {
    const a = await redisEngine();
    const b = await redisEngine(a.prefix);
    await b.broker.subscribe('room');
    await a.broker.publish('room', { data: 'kept' }, history);
    await a.broker.publish('room', { data: 'not kept' }, { size: 0, ttl: 0, metaTtl: 0 });
    await a.broker.publish('elsewhere', { data: 'x' }, history);
    await a.broker.publishJoin('room', { user: 'u', client: 'c' });
    await until(() => b.handler.publications.length === 2 && b.handler.joins.length === 1);
    expect(b.handler.publications).toEqual([
      { channel: 'room', publication: { data: 'kept', offset: 1 } },
      { channel: 'room', publication: { data: 'not kept' } },
    ]);
    await b.broker.unsubscribe('room');
    await a.broker.publish('room', { data: 'after' }, history);
    await sleep(100);
    expect(b.handler.publications).toHaveLength(2);
  });

  it('reports a gap when an offset jumps or the epoch changes, and ignores malformed messages', async () => {
    const node = await redisEngine();
    await node.broker.subscribe('gappy');
    const redis = new Redis(url);
    closers.push(async () => void redis.disconnect());
    const topic = new RedisKeys(node.prefix).topic('gappy');
    await redis.publish(topic, '{"o":1,"e":"E1","p":{"data":1}}');
    await redis.publish(topic, '{"o":2,"e":"E1","p":{"data":2}}');
    await redis.publish(topic, 'not json');
    await redis.publish(topic, '{"o":5,"e":"E1","p":{"data":5}}');
    await redis.publish(topic, '{"o":1,"e":"E2","p":{"data":1}}');
    await until(() => node.handler.publications.length === 4);
    expect(node.handler.publications.map((p) => p.publication.offset)).toEqual([1, 2, 5, 1]);
    expect(node.handler.gaps).toEqual(['gappy', 'gappy']);
  });
});

describe('Redis link', () => {
  it('takes back a connection ioredis gave up for good, as it does when a failover lands mid-connect', async () => {
    const link = new RedisLink({ shard: parseShardAddress(url), commandTimeout: 1000, connectTimeout: 1000 }, log);
    await link.connect();
    closers.push(() => link.close());
    // What ioredis does when its connector fails: status 'end', and no retry of its own.
    const ended = new Promise((resolve) => link.command.once('end', resolve));
    link.command.disconnect();
    await ended;
    await until(() => link.ready, 5000, 'the link to come back');
    expect(await link.run((redis) => redis.ping())).toBe('PONG');
  });
});

describe('Redis presence', () => {
  it("expires the entries of a node that stopped refreshing, and keeps a live node's", async () => {
    const ttl = 400;
    const live = await redisEngine(undefined, ttl);
    const dead = await redisEngine(live.prefix, ttl);
    const presence: PresenceStore = live.presence;
    await live.presence.add('room', { user: 'alive', client: 'c1' });
    await dead.presence.add('room', { user: 'gone', client: 'c2' });
    expect(await presence.stats('room')).toEqual({ numClients: 2, numUsers: 2 });
    dead.presence.close();
    await sleep(ttl * 2);
    expect(Object.keys(await presence.get('room'))).toEqual(['c1']);
    await live.presence.remove('room', 'c1');
    expect(await presence.get('room')).toEqual({});
  });
});

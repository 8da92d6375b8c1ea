import type { SubscribedContext } from 'centrifuge';
import { expect } from 'vitest';
import { ApiErrorCodes } from '@renum-realtime/protocol';
import { createRedisEngine } from '../../src/broker/redis.js';
import { createLogger } from '../../src/log.js';
import { until } from './client.js';
import type { RedisDeployment } from './redis.js';

interface Ack {
  n: number;
  offset: number;
  epoch: string;
}

interface Follower {
  /** `n` of every publication received, in arrival order. */
  received: number[];
  subscribed: SubscribedContext[];
}

/**
 * Runs an API call again while the gateway answers "temporarily unavailable", as an API client
 * must: a Sentinel's +switch-master can move the connection once more after the first writes on
 * the promoted replica went through.
 */
export async function retryWhileUnavailable<T>(call: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if ((error as { code?: number }).code !== ApiErrorCodes.temporarilyUnavailable.code || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Publishes numbered publications on `channel` through `publisher` while `kill` takes the master
 * down, until `after` publications were acknowledged after the kill, with a subscriber on every
 * node. Then checks the promise a failover must keep: every acknowledged publication is in history
 * under its offset, or the epoch changed; and a subscriber that missed one was told so
 * (resubscribed with recovered: false), never left with a silent gap. When the promoted replica
 * had everything, a position from before the failover is continued by the new epoch.
 */
export async function publishThroughFailover(
  deployment: RedisDeployment,
  channel: string,
  kill: () => Promise<void>,
  { before = 30, after = 30, engine }: { before?: number; after?: number; engine: { url: string; prefix: string } },
): Promise<{ acks: Ack[]; lostFromHistory: number; missedBySubscribers: number }> {
  const nodes = deployment.nodes;
  const followers = await Promise.all(nodes.map(async (node, i) => {
    const client = await deployment.connect(node, `failover-${i}`);
    const follower: Follower = { received: [], subscribed: [] };
    const sub = client.newSubscription(channel);
    sub.on('publication', (ctx) => follower.received.push((ctx.data as { n: number }).n));
    sub.on('subscribed', (ctx) => follower.subscribed.push(ctx));
    sub.subscribe();
    await sub.ready(5000);
    return follower;
  }));
  const acks: Ack[] = [];
  let failures = 0;
  let n = 0;
  let killedAt: number | undefined;
  const deadline = Date.now() + 30_000;
  while (killedAt === undefined || acks.length < killedAt + after) {
    if (Date.now() > deadline) throw new Error(`publishing through the failover timed out: ${acks.length} acknowledged, ${failures} failed`);
    if (killedAt === undefined && acks.length === before) {
      // Not awaited: the kill lands while publications are in flight.
      void kill();
      killedAt = acks.length;
    }
    n += 1;
    try {
      const result = await nodes[n % nodes.length]!.api<{ offset: number; epoch: string }>('publish', { channel, data: { n } });
      acks.push({ n, offset: result.offset, epoch: result.epoch });
    } catch {
      // "temporarily unavailable" while the failover runs: not acknowledged, so not promised.
      failures += 1;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const lastAck = acks.at(-1)!;
  // Generous: a loaded machine may take a few seconds to move sharded subscriptions; a stuck one never arrives.
  for (const follower of followers) await until(() => follower.received.includes(lastAck.n), 30_000, `publication ${lastAck.n} on every node`);
  const history = await retryWhileUnavailable(() => nodes[0]!.api<{ publications: Array<{ offset: number; data: { n: number } }>; epoch: string }>('history', { channel, limit: -1 }));
  const inHistory = new Map(history.publications.map((p) => [p.offset, p.data.n]));
  let lostFromHistory = 0;
  for (const ack of acks) {
    if (ack.epoch === history.epoch) expect(inHistory.get(ack.offset), `publication ${ack.n} at offset ${ack.offset}`).toBe(ack.n);
    else if (inHistory.get(ack.offset) !== ack.n) lostFromHistory += 1;
  }
  // A publication missing from history is a gap some subscriber may have seen: it must be signalled.
  let missedBySubscribers = 0;
  for (const follower of followers) {
    expect(new Set(follower.received).size, `no publication twice: ${follower.received.join(',')}`).toBe(follower.received.length);
    const missed = acks.filter((ack) => !follower.received.includes(ack.n));
    missedBySubscribers += missed.length;
    if (missed.length > 0) {
      expect(follower.subscribed.some((ctx) => ctx.wasRecovering && !ctx.recovered), `missed ${missed.map((a) => a.n)} without recovered: false`).toBe(true);
    }
  }
  if (lostFromHistory === 0) {
    const direct = await createRedisEngine(engine, createLogger('silent'));
    try {
      const lastBefore = acks[before - 1]!;
      const page = await direct.broker.history(channel, { since: { offset: lastBefore.offset, epoch: lastBefore.epoch }, limit: -1 }, { size: 1000, ttl: 300_000, metaTtl: 300_000 });
      expect(page.continuesSince || page.position.epoch === lastBefore.epoch).toBe(true);
      expect(page.publications[0]!.offset).toBe(lastBefore.offset + 1);
    } finally {
      await direct.broker.close();
    }
  }
  return { acks, lostFromHistory, missedBySubscribers };
}

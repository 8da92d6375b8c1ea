import { describe, expect, it } from 'vitest';
import { UnrecoverablePositionError } from '../src/broker/broker.js';
import { MemoryBroker } from '../src/broker/memory.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const history = { size: 3, ttl: 10_000, metaTtl: 60_000 };

describe('memory broker streams', () => {
  it('numbers publications from 1 and keeps only the last history_size', async () => {
    const broker = new MemoryBroker();
    for (let n = 1; n <= 5; n++) await broker.publish('ch', { data: { n } }, history);
    const page = await broker.history('ch', { limit: -1 }, history);
    expect(page.publications.map((p) => p.offset)).toEqual([3, 4, 5]);
    expect(page.position.offset).toBe(5);
    await broker.close();
  });

  it('drops publications after history_ttl of silence but keeps the position until the meta ttl', async () => {
    const time = clock();
    const broker = new MemoryBroker(time.now);
    await broker.publish('ch', { data: 1 }, history);
    const { position } = await broker.history('ch', { limit: 0 }, history);
    time.advance(10_001);
    const afterTtl = await broker.history('ch', { limit: -1 }, history);
    expect(afterTtl.publications).toEqual([]);
    expect(afterTtl.position).toEqual(position);
    time.advance(60_000);
    const afterMeta = await broker.history('ch', { limit: -1 }, history);
    expect(afterMeta.position.offset).toBe(0);
    expect(afterMeta.position.epoch).not.toBe(position.epoch);
    await expect(broker.history('ch', { limit: 1, since: position }, history)).rejects.toBeInstanceOf(UnrecoverablePositionError);
    await broker.close();
  });

  it('does not keep history for channels without it', async () => {
    const broker = new MemoryBroker();
    expect(await broker.publish('ch', { data: 1 }, { size: 0, ttl: 0, metaTtl: 0 })).toBeUndefined();
    await broker.close();
  });
});

describe('memory broker idempotent publish', () => {
  it('returns the first result for a key within its window, and publishes the key again after it', async () => {
    const time = clock();
    const broker = new MemoryBroker(time.now);
    const delivered: unknown[] = [];
    await broker.start({ onPublication: (_channel, publication) => delivered.push(publication.data), onJoin: () => {}, onLeave: () => {}, onInsufficientState: () => {} });
    const key = { key: 'k', resultTtl: 1000 };
    const first = await broker.publish('ch', { data: 1 }, history, key);
    time.advance(999);
    expect(await broker.publish('ch', { data: 1 }, history, key)).toEqual(first);
    expect(await broker.publish('other', { data: 1 }, { size: 0, ttl: 0, metaTtl: 0 }, key)).toBeUndefined();
    expect(delivered).toEqual([1, 1]);
    time.advance(1);
    expect(await broker.publish('ch', { data: 1 }, history, key)).toEqual({ offset: 2, epoch: first!.epoch });
    expect(delivered).toEqual([1, 1, 1]);
    await broker.close();
  });
});

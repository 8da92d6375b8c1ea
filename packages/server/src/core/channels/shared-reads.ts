import type { Broker, HistoryOptions, HistoryPage, HistoryQuery } from '../../broker/broker.js';

/**
 * The stream reads of subscribers joining a channel, shared the way Centrifugo's
 * `use_singleflight` shares them: identical reads asked for during one turn of the event loop go
 * to the broker once. In a reconnect storm thousands of clients recover from the same position,
 * and each would otherwise read (and the node parse) the same publications.
 *
 * A read is joined only before it starts, never while it is in flight: each caller's read then
 * begins after it asked, and a subscriber registered in the hub before it asks misses nothing in
 * between (what is published later reaches its pending queue). That costs one turn of latency.
 */
export class SharedReads {
  private readonly starting = new Map<string, Promise<HistoryPage>>();

  constructor(private readonly broker: Broker) {}

  /** The page is shared by every caller of the read: it is read, never changed. */
  history(channel: string, query: HistoryQuery, options: HistoryOptions): Promise<HistoryPage> {
    const { since, limit, reverse } = query;
    const key = JSON.stringify([channel, since?.offset, since?.epoch, limit, reverse === true, options.size, options.ttl, options.metaTtl]);
    let read = this.starting.get(key);
    if (read) return read;
    read = new Promise<HistoryPage>((resolve) => {
      setImmediate(() => {
        this.starting.delete(key);
        resolve(this.broker.history(channel, query, options));
      });
    });
    this.starting.set(key, read);
    return read;
  }
}

import type { ClientInfo } from '@renum-realtime/protocol';
import type { Logger } from '../log.js';
import type { PresenceStats, PresenceStore } from './broker.js';
import type { RedisLink } from './redis-link.js';
import type { RedisShards } from './redis-shards.js';

/**
 * A Redis hash whose entries expire one by one: an expiry zset beside it holds each field's
 * deadline, and reads drop what is past it. The owner of an entry keeps it alive by setting it
 * again before `ttl` runs out, so entries of a node that died vanish on their own.
 */
export class ExpiringHash {
  constructor(
    private readonly link: RedisLink,
    private readonly hashKey: string,
    private readonly expiryKey: string,
    private readonly ttl: number,
  ) {}

  async set(entries: Iterable<[string, string]>): Promise<void> {
    const args = [...entries].flat();
    if (args.length === 0) return;
    await this.link.run((r) => r.renumExpiringSet(this.hashKey, this.expiryKey, this.ttl, ...args));
  }

  async remove(field: string): Promise<void> {
    await this.link.run((r) => r.multi().hdel(this.hashKey, field).zrem(this.expiryKey, field).exec());
  }

  async getAll(): Promise<Map<string, string>> {
    const flat = await this.link.run((r) => r.renumExpiringGet(this.hashKey, this.expiryKey));
    const entries = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) entries.set(flat[i]!, flat[i + 1]!);
    return entries;
  }
}

/** Presence across every node; each node refreshes the entries of its own clients. */
export class RedisPresence implements PresenceStore {
  /** This node's entries, per channel, as last written. */
  private readonly own = new Map<string, Map<string, ClientInfo>>();
  private readonly refresher: NodeJS.Timeout;

  constructor(
    private readonly shards: RedisShards,
    private readonly keyOf: (channel: string) => { hash: string; expiry: string },
    private readonly ttl: number,
    private readonly log: Logger,
  ) {
    // Three refreshes per ttl: an entry survives one or two failed refreshes (a Redis blip).
    this.refresher = setInterval(() => void this.refresh(), Math.max(50, Math.floor(ttl / 3)));
    this.refresher.unref();
  }

  async add(channel: string, info: ClientInfo): Promise<void> {
    let entries = this.own.get(channel);
    if (!entries) this.own.set(channel, (entries = new Map()));
    entries.set(info.client, info);
    await this.hash(channel).set([[info.client, JSON.stringify(info)]]);
  }

  async remove(channel: string, clientId: string): Promise<void> {
    const entries = this.own.get(channel);
    entries?.delete(clientId);
    if (entries?.size === 0) this.own.delete(channel);
    await this.hash(channel).remove(clientId);
  }

  async get(channel: string): Promise<Record<string, ClientInfo>> {
    const presence: Record<string, ClientInfo> = {};
    for (const [client, json] of await this.hash(channel).getAll()) {
      try {
        presence[client] = JSON.parse(json) as ClientInfo;
      } catch {
        this.log.warn({ event: 'presence_entry_invalid', channel, client }, 'presence entry is not JSON; skipped');
      }
    }
    return presence;
  }

  async stats(channel: string): Promise<PresenceStats> {
    const entries = Object.values(await this.get(channel));
    return { numClients: entries.length, numUsers: new Set(entries.map((e) => e.user)).size };
  }

  close(): void {
    clearInterval(this.refresher);
  }

  private hash(channel: string): ExpiringHash {
    const { hash, expiry } = this.keyOf(channel);
    return new ExpiringHash(this.shards.of(channel), hash, expiry, this.ttl);
  }

  private async refresh(): Promise<void> {
    const writes = [...this.own].map(([channel, entries]) =>
      this.hash(channel).set([...entries].map(([client, info]) => [client, JSON.stringify(info)] as [string, string])),
    );
    const failed = (await Promise.allSettled(writes)).filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.log.warn({ event: 'presence_refresh_failed', channels: failed }, 'presence refresh failed; retrying next period');
  }
}

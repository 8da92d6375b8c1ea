import { consistentIndex } from './redis-keys.js';
import type { RedisLink } from './redis-link.js';

/**
 * The Redis shards of a deployment. A channel lives on one shard, chosen by consistent hashing of
 * its name (the same mapping as Centrifugo's address list); the control bus and node registry
 * live on the first shard.
 */
export class RedisShards {
  constructor(readonly links: RedisLink[]) {}

  of(channel: string): RedisLink {
    return this.links.length === 1 ? this.links[0]! : this.links[consistentIndex(channel, this.links.length)]!;
  }

  get first(): RedisLink {
    return this.links[0]!;
  }
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = (1n << 64n) - 1n;

/** FNV-1a, 64 bits, over the UTF-8 bytes (Go's `hash/fnv` New64a). */
function fnv64a(text: string): bigint {
  let hash = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  return hash;
}

/**
 * The shard of a channel among `buckets` shards: Jump Consistent Hash (Lamping & Veach, 2014)
 * over FNV-1a 64, as centrifuge's `consistentIndex` computes it, so that one address list maps
 * each channel to the same shard as Centrifugo does. Adding an (n+1)th shard moves only about
 * 1/(n+1) of the channels.
 */
export function consistentIndex(channel: string, buckets: number): number {
  let key = fnv64a(channel);
  let b = -1n;
  let j = 0n;
  while (j < BigInt(buckets)) {
    b = j;
    key = (key * 2862933555777941757n + 1n) & MASK_64;
    j = BigInt(Math.floor(Number(b + 1n) * (2 ** 31 / Number((key >> 33n) + 1n))));
  }
  return Number(b);
}

/** CRC16-XMODEM, the checksum Redis Cluster takes modulo 16384 (cluster spec, "Keys distribution model"). */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The Redis Cluster slot of a key or shard channel, hash tags included. */
export function hashSlot(key: string): number {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(new TextEncoder().encode(hashed)) % 16384;
}

/**
 * The hash tag that puts every key and the topic of a channel in one Redis Cluster slot, so the
 * Lua scripts that touch several of them stay atomic. Redis hashes what lies between the first
 * `{` and the next `}`; a channel with a `}` in it would cut its own tag short, so such a channel
 * is tagged by its hash instead (and named in full after the tag).
 */
function slotTagged(channel: string): string {
  return channel.includes('}') ? `{#${fnv64a(channel).toString(16)}}${channel}` : `{${channel}}`;
}

/** Every Redis key and topic name the engine uses. */
export class RedisKeys {
  constructor(readonly prefix: string) {}
  stream = (channel: string) => `${this.prefix}stream.${slotTagged(channel)}`;
  meta = (channel: string) => `${this.prefix}meta.${slotTagged(channel)}`;
  topic = (channel: string) => `${this.prefix}channel.${slotTagged(channel)}`;
  /** The kept result of an idempotent publish: after the channel's tag, so it shares its slot. */
  result = (channel: string, idempotencyKey: string) => `${this.prefix}result.${slotTagged(channel)}.${idempotencyKey}`;
  presence = (channel: string) => ({ hash: `${this.prefix}presence.${slotTagged(channel)}`, expiry: `${this.prefix}presence-expiry.${slotTagged(channel)}` });
  get control(): string {
    return `${this.prefix}control`;
  }
  get nodes() {
    return { hash: `${this.prefix}{nodes}`, expiry: `${this.prefix}{nodes}-expiry` };
  }
}

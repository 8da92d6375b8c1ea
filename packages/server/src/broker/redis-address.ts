/**
 * Where the Redis engine connects: one or more shards, each a standalone Redis, a Sentinel-watched
 * master or a Redis Cluster. The address forms are Centrifugo's (centrifuge `optionsFromAddress`):
 * `redis://`, `rediss://`, `redis+cluster://`, `redis+sentinel://` URLs with extra hosts as
 * `?addr=host:port`, or a bare `host:port`.
 */

export interface HostPort {
  host: string;
  port: number;
}

interface Credentials {
  user?: string;
  password?: string;
  tls: boolean;
}

export type RedisShardAddress =
  | ({ mode: 'standalone'; host: HostPort; db: number } & Credentials)
  | ({ mode: 'sentinel'; sentinels: HostPort[]; masterName: string; db: number; sentinelUser?: string; sentinelPassword?: string } & Credentials)
  | ({ mode: 'cluster'; seeds: HostPort[] } & Credentials);

/** The `engine.redis` keys that say where Redis is (Centrifugo v6 names). */
export interface RedisAddressConfig {
  address?: string | string[];
  cluster_address?: string[];
  sentinel_address?: string[];
  sentinel_master_name?: string;
  sentinel_user?: string;
  sentinel_password?: string;
  user?: string;
  password?: string;
  db?: number;
}

export class RedisAddressError extends Error {
  readonly code = 'REDIS_ADDRESS_INVALID';
}

const SCHEMES = ['redis:', 'rediss:', 'redis+cluster:', 'rediss+cluster:', 'redis+sentinel:', 'rediss+sentinel:'];

function hostPort(text: string, defaultPort: number): HostPort {
  const match = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(text.trim());
  if (!match || !match[1]) throw new RedisAddressError(`${JSON.stringify(text)} is not host:port`);
  return { host: match[1], port: match[2] ? Number(match[2]) : defaultPort };
}

/** The shared settings (user, password, db, sentinel keys) a URL does not carry itself. */
type Defaults = Omit<RedisAddressConfig, 'address' | 'cluster_address' | 'sentinel_address'>;

function credentials(defaults: Defaults, url?: URL): Credentials {
  const user = url?.username ? decodeURIComponent(url.username) : defaults.user;
  const password = url?.password ? decodeURIComponent(url.password) : defaults.password;
  return { ...(user ? { user } : {}), ...(password ? { password } : {}), tls: url?.protocol.startsWith('rediss') ?? false };
}

/** One shard from one address; `forced` is the mode of the config key it came from. */
export function parseShardAddress(address: string, defaults: Defaults = {}, forced?: 'cluster' | 'sentinel'): RedisShardAddress {
  const parts = address.split(',').map((part) => part.trim()).filter(Boolean);
  if (parts.length === 0) throw new RedisAddressError('empty Redis address');
  const first = parts[0]!;
  const isUrl = SCHEMES.some((scheme) => first.startsWith(`${scheme}//`));
  let url: URL | undefined;
  if (isUrl) {
    try {
      url = new URL(first);
    } catch {
      throw new RedisAddressError(`${JSON.stringify(redact(first))} is not a valid URL`);
    }
  }
  const scheme = url?.protocol.replace(/^rediss/, 'redis');
  const query = url?.searchParams;
  const masterName = query?.get('sentinel_master_name') ?? defaults.sentinel_master_name;
  const mode = forced ?? (scheme === 'redis+cluster:' ? 'cluster' : scheme === 'redis+sentinel:' ? 'sentinel' : 'standalone');
  const defaultPort = mode === 'sentinel' ? 26379 : 6379;
  const hosts = [
    ...(url ? [hostPort(url.host, defaultPort)] : [hostPort(first, defaultPort)]),
    ...(query?.getAll('addr') ?? []).map((addr) => hostPort(addr, defaultPort)),
    ...parts.slice(1).map((part) => hostPort(part.replace(/^[a-z+]+:\/\//, ''), defaultPort)),
  ];
  const dbText = url?.pathname.replace(/^\//, '');
  if (dbText && !/^\d+$/.test(dbText)) throw new RedisAddressError(`${JSON.stringify(redact(first))}: database ${JSON.stringify(dbText)} is not a number`);
  const db = dbText ? Number(dbText) : (defaults.db ?? 0);
  const creds = credentials(defaults, url);
  if (mode === 'cluster') {
    if (db !== 0) throw new RedisAddressError(`${redact(first)}: Redis Cluster has only database 0`);
    return { mode, seeds: hosts, ...creds };
  }
  if (mode === 'sentinel') {
    if (!masterName) throw new RedisAddressError(`${redact(first)}: Sentinel needs the master name (sentinel_master_name)`);
    const sentinelUser = query?.get('sentinel_user') ?? defaults.sentinel_user;
    const sentinelPassword = query?.get('sentinel_password') ?? defaults.sentinel_password;
    return { mode, sentinels: hosts, masterName, db, ...(sentinelUser ? { sentinelUser } : {}), ...(sentinelPassword ? { sentinelPassword } : {}), ...creds };
  }
  if (hosts.length > 1) throw new RedisAddressError(`${redact(first)}: a standalone Redis has one host; list shards as separate addresses, or use redis+cluster://`);
  return { mode, host: hosts[0]!, db, ...creds };
}

/**
 * The shards the `engine.redis` keys describe. Exactly one of address, cluster_address and
 * sentinel_address says where Redis is, and every shard has the same mode: a list that mixes a
 * cluster with standalone instances is refused rather than guessed at.
 */
export function redisShards(config: RedisAddressConfig): RedisShardAddress[] {
  const addresses = typeof config.address === 'string' ? shardList(config.address) : (config.address ?? []);
  const sources = [
    ['address', addresses, undefined],
    ['cluster_address', config.cluster_address ?? [], 'cluster'],
    ['sentinel_address', config.sentinel_address ?? [], 'sentinel'],
  ] as const;
  const used = sources.filter(([, list]) => list.length > 0);
  if (used.length === 0) return [];
  if (used.length > 1) throw new RedisAddressError(`set only one of ${used.map(([key]) => `engine.redis.${key}`).join(' and ')}`);
  const [key, list, forced] = used[0]!;
  const shards = list.map((address, i) => {
    try {
      return parseShardAddress(address, config, forced);
    } catch (error) {
      throw new RedisAddressError(`engine.redis.${key}[${i}]: ${(error as Error).message}`);
    }
  });
  const modes = new Set(shards.map((shard) => shard.mode));
  if (modes.size > 1) {
    throw new RedisAddressError(`engine.redis.${key} mixes ${[...modes].join(' and ')} shards; every shard must be the same kind (one Redis Cluster is itself sharded: list its nodes comma-separated in one entry)`);
  }
  return shards;
}

/**
 * One string (a `REALTIME_*` variable) may list several standalone shards comma-separated; in a
 * cluster or Sentinel URL the commas separate the seeds of one shard instead.
 */
function shardList(address: string): string[] {
  if (/^rediss?\+(cluster|sentinel):/.test(address.trim())) return [address];
  return address.split(',').map((part) => part.trim()).filter(Boolean);
}

const showHost = ({ host, port }: HostPort) => `${host}:${port}`;

/** How a shard is named in logs and `check-config`: no password. */
export function describeShard(shard: RedisShardAddress): string {
  const scheme = shard.tls ? 'rediss' : 'redis';
  switch (shard.mode) {
    case 'standalone':
      return `${scheme}://${showHost(shard.host)}/${shard.db}`;
    case 'sentinel':
      return `${scheme}+sentinel://${shard.sentinels.map(showHost).join(',')} master ${shard.masterName}`;
    case 'cluster':
      return `${scheme}+cluster://${shard.seeds.map(showHost).join(',')}`;
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** What `check-config` says about the engine: which kind of Redis, and each shard. */
export function describeTopology(engine: { type?: 'memory' | 'redis'; redis: RedisAddressConfig }): string[] {
  const shards = redisShards(engine.redis);
  if ((engine.type ?? (shards.length > 0 ? 'redis' : 'memory')) === 'memory' || shards.length === 0) return ['engine: memory (this node only)'];
  const kind = { standalone: 'standalone Redis', sentinel: 'Redis Sentinel', cluster: 'Redis Cluster' }[shards[0]!.mode];
  const sharding = shards.length > 1 ? `, ${shards.length} shards (channels by consistent hash; control bus on shard 0)` : '';
  return [`engine: redis, ${kind}${sharding}`, ...shards.map((shard, i) => `  shard ${i}: ${describeShard(shard)}`)];
}

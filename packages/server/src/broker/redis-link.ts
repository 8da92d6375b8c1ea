import { Cluster, Redis, ReplyError, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';
import { BrokerUnavailableError } from './broker.js';
import { describeShard, type RedisShardAddress } from './redis-address.js';
import { EXPIRING_GET_SCRIPT, EXPIRING_SET_SCRIPT, HISTORY_SCRIPT, PUBLISH_SCRIPT, PUBLISH_UNKEPT_ONCE_SCRIPT } from './redis-scripts.js';
import { ShardedPubSub } from './redis-sharded-pubsub.js';

export interface RedisLinkOptions {
  shard: RedisShardAddress;
  /** ms a command may take before it fails as "unavailable" (a silent Redis must not hang the API). */
  commandTimeout: number;
  /** ms to establish a connection. */
  connectTimeout: number;
}

type Listener = (message: string) => void;

/** Commands the Lua scripts add to the command connection. */
interface ScriptCommands {
  renumPublish(stream: string, meta: string, result: string, ...args: Array<string | number>): Promise<[number | string, string]>;
  renumPublishUnkeptOnce(result: string, ...args: Array<string | number>): Promise<[number | string, string]>;
  renumHistory(stream: string, meta: string, ...args: Array<string | number>): Promise<[number, string, Array<[string, string[]]>, string | null, string | null]>;
  renumExpiringSet(hash: string, zset: string, ...args: Array<string | number>): Promise<null>;
  renumExpiringGet(hash: string, zset: string): Promise<string[]>;
}

export type CommandConnection = (Redis | Cluster) & ScriptCommands;

/** Options of every connection to a Redis server, whatever the topology. */
function serverOptions(shard: RedisShardAddress, options: RedisLinkOptions): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeout,
    connectTimeout: options.connectTimeout,
    autoResubscribe: false,
    // Reconnect quickly but without hammering a Redis that is restarting.
    retryStrategy: (times) => Math.min(100 * times, 1000),
    ...(shard.user ? { username: shard.user } : {}),
    ...(shard.password ? { password: shard.password } : {}),
    ...(shard.tls ? { tls: {} } : {}),
  };
}

function connectionTo(shard: RedisShardAddress, options: RedisLinkOptions, connectionName: string): Redis | Cluster {
  const common = { ...serverOptions(shard, options), connectionName };
  switch (shard.mode) {
    case 'standalone':
      return new Redis({ ...common, ...shard.host, db: shard.db });
    case 'sentinel':
      return new Redis({
        ...common,
        sentinels: shard.sentinels,
        name: shard.masterName,
        db: shard.db,
        ...(shard.sentinelUser ? { sentinelUsername: shard.sentinelUser } : {}),
        ...(shard.sentinelPassword ? { sentinelPassword: shard.sentinelPassword } : {}),
        enableTLSForSentinelMode: shard.tls,
        // Sentinel's +switch-master moves us at once, even when the old master is still reachable.
        failoverDetector: true,
        // A demoted master answers writes with READONLY: ask the sentinels again.
        reconnectOnError: (error) => error.message.startsWith('READONLY'),
      });
    case 'cluster': {
      const clusterOptions: ClusterOptions = {
        lazyConnect: true,
        enableOfflineQueue: false,
        redisOptions: common,
        slotsRefreshTimeout: options.commandTimeout,
        // Finds a promoted replica within a second even when no command met an error yet.
        slotsRefreshInterval: 1000,
        clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
      };
      return new Cluster(shard.seeds, clusterOptions);
    }
  }
}

/**
 * The connections a node keeps to one Redis shard: one for commands, one in subscriber mode, and
 * on a Redis Cluster the sharded subscribers of channel topics. Commands fail fast while Redis is
 * away (no offline queue, bounded time) and come back with a `BrokerUnavailableError`; topics are
 * resubscribed by us after a reconnect (or a slot move), then the reconnect hooks run so that gaps
 * can be detected.
 */
export class RedisLink {
  readonly command: CommandConnection;
  /** How a channel topic is published: sharded pub/sub on a cluster, so it stays in its shard. */
  readonly channelPublish: 'publish' | 'spublish';
  private readonly subscriber: Redis | Cluster;
  private readonly sharded: ShardedPubSub | undefined;
  private readonly listeners = new Map<string, Listener>();
  private readonly reconnectHooks: Array<() => Promise<void>> = [];
  private subscriberWasReady = false;
  /** Set once `connect` succeeded: from then on a lost connection is retried, never given up. */
  private connected = false;
  private closing = false;
  private readonly commandTimeout: number;
  /** The shard as logs name it (no password). */
  readonly name: string;

  /** Every connection is up: commands and pub/sub flow. */
  get ready(): boolean {
    return this.command.status === 'ready' && this.subscriber.status === 'ready' && (this.sharded?.ready ?? true);
  }

  constructor(private readonly options: RedisLinkOptions, private readonly log: Logger) {
    this.commandTimeout = options.commandTimeout;
    this.name = describeShard(options.shard);
    this.command = connectionTo(options.shard, options, 'renum-commands') as CommandConnection;
    this.subscriber = connectionTo(options.shard, options, 'renum-subscriber');
    this.channelPublish = options.shard.mode === 'cluster' ? 'spublish' : 'publish';
    this.sharded = this.command instanceof Cluster
      ? new ShardedPubSub(this.command, serverOptions(options.shard, options), () => this.runReconnectHooks(), log)
      : undefined;
    this.command.defineCommand('renumPublish', { numberOfKeys: 3, lua: PUBLISH_SCRIPT });
    this.command.defineCommand('renumPublishUnkeptOnce', { numberOfKeys: 1, lua: PUBLISH_UNKEPT_ONCE_SCRIPT });
    this.command.defineCommand('renumHistory', { numberOfKeys: 2, lua: HISTORY_SCRIPT });
    this.command.defineCommand('renumExpiringSet', { numberOfKeys: 2, lua: EXPIRING_SET_SCRIPT });
    this.command.defineCommand('renumExpiringGet', { numberOfKeys: 2, lua: EXPIRING_GET_SCRIPT });
    for (const [name, connection] of [['commands', this.command as Redis | Cluster], ['subscriber', this.subscriber]] as const) {
      // One line per outage and one per recovery, not one per reconnect attempt.
      let down = false;
      const lost = (detail: string) => {
        if (!down && !this.closing) log.warn({ event: 'redis_down', connection: name, shard: this.name, detail }, 'redis unreachable; retrying');
        down = true;
      };
      let revivals = 0;
      connection.on('error', (err: Error) => lost(err.message));
      connection.on('close', () => lost('connection closed'));
      connection.on('ready', () => {
        if (down) log.info({ event: 'redis_up', connection: name, shard: this.name }, 'redis reachable again');
        down = false;
        revivals = 0;
      });
      // ioredis gives a connection up for good ('end') when its connector fails mid-connect, as
      // when a Sentinel's +switch-master lands while it asks the sentinels for the master: the
      // node would be left without Redis after a failover that went well. A link that was up
      // keeps trying instead.
      connection.on('end', () => {
        if (!this.connected || this.closing) return;
        lost('connection ended');
        revivals += 1;
        const timer = setTimeout(() => {
          if (this.closing || connection.status !== 'end') return;
          // A failure ends the connection again, and so schedules the next try.
          connection.connect().catch(() => undefined);
        }, Math.min(100 * revivals, 1000));
        timer.unref();
      });
    }
    this.subscriber.on('message', (topic: string, message: string) => this.listeners.get(topic)?.(message));
    this.subscriber.on('ready', () => {
      if (this.subscriberWasReady) void this.resubscribe();
      this.subscriberWasReady = true;
    });
  }

  /** Connects, and refuses a Redis that is not what the configuration says it is. */
  async connect(): Promise<void> {
    if (this.options.shard.mode === 'cluster') await this.checkSeeds();
    await Promise.all([this.command.connect(), this.subscriber.connect()]);
    if (this.options.shard.mode !== 'cluster') {
      const info = await this.command.info('cluster');
      if (/cluster_enabled:1/.test(info)) {
        throw new Error('it is a Redis Cluster node: list the cluster in engine.redis.cluster_address (or use a redis+cluster:// address)');
      }
    }
    this.connected = true;
  }

  /** Runs Redis commands; connection trouble becomes `BrokerUnavailableError`, script bugs stay as they are. */
  async run<T>(work: (redis: CommandConnection) => Promise<T>): Promise<T> {
    try {
      return await work(this.command);
    } catch (error) {
      if (error instanceof ReplyError && !/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|READONLY|CLUSTERDOWN|MOVED|ASK)/.test((error as Error).message)) throw error;
      throw new BrokerUnavailableError(error);
    }
  }

  /** Publishes to a channel topic (sharded on a cluster). */
  async publishChannel(topic: string, message: string): Promise<void> {
    await this.run((r) => (this.channelPublish === 'spublish' ? r.spublish(topic, message) : r.publish(topic, message)));
  }

  /**
   * Subscribes to a topic. A `sharded` topic is a channel's: on a cluster it is subscribed on the
   * master of its slot only; the others (control topics) reach every node of the deployment.
   */
  async listen(topic: string, listener: Listener, sharded = false): Promise<void> {
    try {
      if (sharded && this.sharded) return await this.sharded.listen(topic, listener);
      this.listeners.set(topic, listener);
      await this.subscriber.subscribe(topic);
    } catch (error) {
      this.listeners.delete(topic);
      throw new BrokerUnavailableError(error);
    }
  }

  async unlisten(topic: string, sharded = false): Promise<void> {
    if (sharded && this.sharded) return this.sharded.unlisten(topic);
    if (!this.listeners.delete(topic)) return;
    // While Redis is away the subscription is gone anyway; it is not restored since the listener is gone.
    await this.subscriber.unsubscribe(topic).catch(() => undefined);
  }

  /** Runs after every reconnect of the subscriber (or move of sharded topics), once the topics are subscribed again. */
  onReconnect(hook: () => Promise<void>): void {
    this.reconnectHooks.push(hook);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.listeners.clear();
    this.sharded?.close();
    this.subscriber.disconnect();
    // QUIT lets the commands already sent (presence removals of closing sessions) finish first.
    await this.command.quit().catch(() => this.command.disconnect());
  }

  /**
   * A seed list must name cluster nodes: a standalone Redis among them is a configuration
   * mistake, and a list of which none answers cannot start.
   */
  private async checkSeeds(): Promise<void> {
    if (this.options.shard.mode !== 'cluster') return;
    const failures: string[] = [];
    for (const seed of this.options.shard.seeds) {
      const probe = new Redis({ ...serverOptions(this.options.shard, this.options), ...seed, retryStrategy: () => null });
      // The socket error says why (ECONNREFUSED…); the rejected connect only says "closed".
      let cause: Error | undefined;
      probe.on('error', (error: Error) => (cause = error));
      try {
        await probe.connect();
        if (!/cluster_enabled:1/.test(await probe.info('cluster'))) {
          throw new Error(`seed ${seed.host}:${seed.port} is a standalone Redis, not a Redis Cluster node: list it in engine.redis.address instead`);
        }
        return;
      } catch (error) {
        if ((error as Error).message.startsWith('seed ')) throw error;
        failures.push(`${seed.host}:${seed.port} (${(cause ?? (error as Error)).message})`);
      } finally {
        probe.disconnect();
      }
    }
    throw new Error(`no Redis Cluster seed answers: ${failures.join(', ')}`);
  }

  /** Both connections usually come back together; the hooks read through the command one. */
  private async commandConnectionReady(): Promise<void> {
    if (this.command.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.command.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, this.commandTimeout);
      this.command.once('ready', done);
    });
  }

  private async resubscribe(): Promise<void> {
    const topics = [...this.listeners.keys()];
    try {
      if (topics.length > 0) await this.subscriber.subscribe(...topics);
    } catch (err) {
      // Reconnecting again brings another 'ready' and so another attempt.
      this.log.warn({ event: 'redis_resubscribe_failed', shard: this.name, err: (err as Error).message }, 'redis resubscribe failed');
      this.subscriber.disconnect(true);
      return;
    }
    this.log.info({ event: 'redis_resubscribed', shard: this.name, topics: topics.length }, 'redis reconnected, topics resubscribed');
    await this.runReconnectHooks();
  }

  private async runReconnectHooks(): Promise<void> {
    await this.commandConnectionReady();
    for (const hook of this.reconnectHooks) {
      await hook().catch((err) => this.log.error({ err }, 'redis reconnect hook failed'));
    }
  }
}

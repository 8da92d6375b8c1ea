import { Redis, ReplyError, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';
import { BrokerUnavailableError } from './broker.js';
import { EXPIRING_GET_SCRIPT, EXPIRING_SET_SCRIPT, HISTORY_SCRIPT, PUBLISH_SCRIPT } from './redis-scripts.js';

export interface RedisLinkOptions {
  /** `redis://[:password@]host:port[/db]` */
  url: string;
  /** ms a command may take before it fails as "unavailable" (a silent Redis must not hang the API). */
  commandTimeout: number;
}

type Listener = (message: string) => void;

/** Commands the Lua scripts add to the command connection. */
interface ScriptCommands {
  renumPublish(stream: string, meta: string, ...args: Array<string | number>): Promise<[number, string]>;
  renumHistory(stream: string, meta: string, ...args: Array<string | number>): Promise<[number, string, Array<[string, string[]]>]>;
  renumExpiringSet(hash: string, zset: string, ...args: Array<string | number>): Promise<null>;
  renumExpiringGet(hash: string, zset: string): Promise<string[]>;
}

export type CommandConnection = Redis & ScriptCommands;

/**
 * The two connections a node keeps to Redis: one for commands, one in subscriber mode. Commands
 * fail fast while Redis is away (no offline queue, bounded time) and come back with a
 * `BrokerUnavailableError`; topics are resubscribed by us after a reconnect, then the reconnect
 * hooks run so that gaps can be detected.
 */
export class RedisLink {
  readonly command: CommandConnection;
  private readonly subscriber: Redis;
  private readonly listeners = new Map<string, Listener>();
  private readonly reconnectHooks: Array<() => Promise<void>> = [];
  private subscriberWasReady = false;
  private closing = false;

  /** Both connections are up: commands and pub/sub flow. */
  get ready(): boolean {
    return this.command.status === 'ready' && this.subscriber.status === 'ready';
  }
  private readonly commandTimeout: number;

  constructor(options: RedisLinkOptions, private readonly log: Logger) {
    this.commandTimeout = options.commandTimeout;
    const common: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeout,
      autoResubscribe: false,
      // Reconnect quickly but without hammering a Redis that is restarting.
      retryStrategy: (times) => Math.min(100 * times, 1000),
    };
    this.command = new Redis(options.url, { ...common, connectionName: 'renum-commands' }) as CommandConnection;
    this.subscriber = new Redis(options.url, { ...common, connectionName: 'renum-subscriber' });
    this.command.defineCommand('renumPublish', { numberOfKeys: 2, lua: PUBLISH_SCRIPT });
    this.command.defineCommand('renumHistory', { numberOfKeys: 2, lua: HISTORY_SCRIPT });
    this.command.defineCommand('renumExpiringSet', { numberOfKeys: 2, lua: EXPIRING_SET_SCRIPT });
    this.command.defineCommand('renumExpiringGet', { numberOfKeys: 2, lua: EXPIRING_GET_SCRIPT });
    for (const [name, connection] of [['commands', this.command], ['subscriber', this.subscriber]] as const) {
      // One line per outage and one per recovery, not one per reconnect attempt.
      let down = false;
      const lost = (detail: string) => {
        if (!down && !this.closing) log.warn({ event: 'redis_down', connection: name, detail }, 'redis unreachable; retrying');
        down = true;
      };
      connection.on('error', (err: Error) => lost(err.message));
      connection.on('close', () => lost('connection closed'));
      connection.on('ready', () => {
        if (down) log.info({ event: 'redis_up', connection: name }, 'redis reachable again');
        down = false;
      });
    }
    this.subscriber.on('message', (topic: string, message: string) => this.listeners.get(topic)?.(message));
    this.subscriber.on('ready', () => {
      if (this.subscriberWasReady) void this.resubscribe();
      this.subscriberWasReady = true;
    });
  }

  async connect(): Promise<void> {
    await Promise.all([this.command.connect(), this.subscriber.connect()]);
  }

  /** Runs Redis commands; connection trouble becomes `BrokerUnavailableError`, script bugs stay as they are. */
  async run<T>(work: (redis: CommandConnection) => Promise<T>): Promise<T> {
    try {
      return await work(this.command);
    } catch (error) {
      if (error instanceof ReplyError && !/^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|READONLY)/.test((error as Error).message)) throw error;
      throw new BrokerUnavailableError(error);
    }
  }

  async listen(topic: string, listener: Listener): Promise<void> {
    this.listeners.set(topic, listener);
    try {
      await this.subscriber.subscribe(topic);
    } catch (error) {
      this.listeners.delete(topic);
      throw new BrokerUnavailableError(error);
    }
  }

  async unlisten(topic: string): Promise<void> {
    if (!this.listeners.delete(topic)) return;
    // While Redis is away the subscription is gone anyway; it is not restored since the listener is gone.
    await this.subscriber.unsubscribe(topic).catch(() => undefined);
  }

  /** Runs after every reconnect of the subscriber, once its topics are subscribed again. */
  onReconnect(hook: () => Promise<void>): void {
    this.reconnectHooks.push(hook);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.listeners.clear();
    this.subscriber.disconnect();
    // QUIT lets the commands already sent (presence removals of closing sessions) finish first.
    await this.command.quit().catch(() => this.command.disconnect());
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
      this.log.warn({ event: 'redis_resubscribe_failed', err: (err as Error).message }, 'redis resubscribe failed');
      this.subscriber.disconnect(true);
      return;
    }
    this.log.info({ event: 'redis_resubscribed', topics: topics.length }, 'redis reconnected, topics resubscribed');
    await this.commandConnectionReady();
    for (const hook of this.reconnectHooks) {
      await hook().catch((err) => this.log.error({ err }, 'redis reconnect hook failed'));
    }
  }
}

import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import type { Logger } from '../log.js';
import { hashSlot } from './redis-keys.js';

type Listener = (message: string) => void;

/**
 * Sharded pub/sub (SSUBSCRIBE, Redis 7) over a Redis Cluster: one subscriber connection per
 * master that serves a subscribed topic, so a publication travels only inside its shard.
 *
 * We keep the slot map and the connections ourselves rather than leaving them to ioredis, because
 * the broker must know *when* a topic may have missed messages: when the master of its slot
 * died, when its slot moved to another master (Redis then drops the subscription with a pushed
 * `sunsubscribe`) or when a subscribe met MOVED. Each time the topic is subscribed on the slot's
 * master again, then `onMoved` runs so that the broker compares stream positions.
 */
export class ShardedPubSub {
  private readonly listeners = new Map<string, Listener>();
  /** Topic → node (`host:port`) whose connection holds its subscription. */
  private readonly assigned = new Map<string, string>();
  private readonly connections = new Map<string, Redis>();
  /** Each connection's first connect, which every subscribe on it waits for. */
  private readonly connected = new WeakMap<Redis, Promise<void>>();
  private slotOwners: string[] = [];
  private reconciling: Promise<void> | undefined;
  private pendingReconcile = false;
  /** Failed rounds in a row: the retry backs off, and only the first is logged. */
  private failedRounds = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly checkTimer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly redisOptions: RedisOptions,
    private readonly onMoved: () => Promise<void>,
    private readonly log: Logger,
  ) {
    // A safety net: any move the events below did not reveal is found within two seconds.
    this.checkTimer = setInterval(() => this.reconcile(), 2000);
    this.checkTimer.unref();
  }

  /** Every subscribed topic is held by a ready connection. */
  get ready(): boolean {
    return [...this.listeners.keys()].every((topic) => {
      const node = this.assigned.get(topic);
      return node !== undefined && this.connections.get(node)?.status === 'ready';
    });
  }

  async listen(topic: string, listener: Listener): Promise<void> {
    this.listeners.set(topic, listener);
    try {
      if (this.slotOwners.length === 0) await this.loadSlots();
      await this.subscribeOn(this.ownerOf(topic), [topic]).catch(async (error: Error) => {
        if (!/^(MOVED|ASK) /.test(error.message)) throw error;
        // Our slot map is older than a migration or failover: read it again, once.
        await this.loadSlots();
        await this.subscribeOn(this.ownerOf(topic), [topic]);
      });
    } catch (error) {
      this.listeners.delete(topic);
      throw error;
    }
  }

  async unlisten(topic: string): Promise<void> {
    if (!this.listeners.delete(topic)) return;
    const node = this.assigned.get(topic);
    this.assigned.delete(topic);
    if (node) await this.connections.get(node)?.sunsubscribe(topic).catch(() => undefined);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.checkTimer);
    clearTimeout(this.retryTimer);
    this.listeners.clear();
    for (const connection of this.connections.values()) connection.disconnect();
    this.connections.clear();
  }

  private ownerOf(topic: string): string {
    const owner = this.slotOwners[hashSlot(topic)];
    if (!owner) throw new Error(`no master serves the slot of ${topic}`);
    return owner;
  }

  /** Reads the slot map from any reachable node of the cluster. */
  private async loadSlots(): Promise<void> {
    const ranges = await this.cluster.cluster('SLOTS');
    const owners: string[] = new Array(16384);
    for (const [from, to, master] of ranges) {
      // [first slot, last slot, [host, port, id] of the master, ...replicas]
      if (master) owners.fill(`${master[0]}:${master[1]}`, from, to + 1);
    }
    this.slotOwners = owners;
  }

  private connection(node: string): Redis {
    let connection = this.connections.get(node);
    if (connection && connection.status !== 'end') return connection;
    const [host, port] = [node.slice(0, node.lastIndexOf(':')), Number(node.slice(node.lastIndexOf(':') + 1))];
    // No reconnects of its own: a master that went away may never come back as master, so
    // losing the connection means asking the cluster again who serves the slots.
    connection = new Redis({ ...this.redisOptions, host, port, retryStrategy: () => null, connectionName: 'renum-ssubscriber' });
    this.connections.set(node, connection);
    this.connected.set(connection, connection.connect());
    connection.on('smessage', (topic: string, message: string) => {
      // Unassigned yet: the first messages can come in the same read as the SSUBSCRIBE reply.
      const holder = this.assigned.get(topic);
      if (holder === node || holder === undefined) this.listeners.get(topic)?.(message);
    });
    connection.on('error', (error: Error) => {
      // ioredis reports a subscription Redis dropped by itself (slot moved away) as a queue error.
      const dropped = /Last reply: sunsubscribe,([^,]*)/.exec(error.message)?.[1];
      if (dropped === undefined) return;
      if (this.assigned.get(dropped) === node) this.assigned.delete(dropped);
      this.reconcile();
    });
    connection.on('end', () => {
      if (this.connections.get(node) === connection) this.connections.delete(node);
      for (const [topic, holder] of this.assigned) if (holder === node) this.assigned.delete(topic);
      this.reconcile();
    });
    return connection;
  }

  private async subscribeOn(node: string, topics: string[]): Promise<void> {
    const connection = this.connection(node);
    await this.connected.get(connection);
    await connection.ssubscribe(...topics);
    for (const topic of topics) if (this.listeners.has(topic)) this.assigned.set(topic, node);
  }

  /**
   * Puts every topic on its slot's current master; runs once at a time, and again when asked
   * meanwhile. When a topic changed hands, the broker checks its streams.
   */
  private reconcile(): void {
    if (this.closed) return;
    if (this.reconciling) {
      this.pendingReconcile = true;
      return;
    }
    this.reconciling = this.moveTopics()
      .then((moved) => {
        this.failedRounds = 0;
        return moved ? this.onMoved() : undefined;
      })
      .catch((error: Error) => {
        if (this.failedRounds === 0) this.log.warn({ event: 'redis_ssubscribe_failed', err: error.message }, 'sharded pub/sub not restored yet; retrying');
        this.failedRounds += 1;
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.reconcile(), Math.min(100 * this.failedRounds, 1000));
        this.retryTimer.unref();
      })
      .finally(() => {
        this.reconciling = undefined;
        if (this.pendingReconcile) {
          this.pendingReconcile = false;
          this.reconcile();
        }
      });
  }

  private async moveTopics(): Promise<boolean> {
    if (this.listeners.size === 0) return false;
    await this.loadSlots();
    const byOwner = new Map<string, string[]>();
    for (const topic of this.listeners.keys()) {
      const owner = this.ownerOf(topic);
      const holder = this.assigned.get(topic);
      if (holder === owner && this.connections.get(owner)?.status === 'ready') continue;
      if (holder !== undefined && holder !== owner) {
        this.assigned.delete(topic);
        await this.connections.get(holder)?.sunsubscribe(topic).catch(() => undefined);
      }
      byOwner.set(owner, [...(byOwner.get(owner) ?? []), topic]);
    }
    if (byOwner.size === 0) return false;
    for (const [owner, topics] of byOwner) {
      // A topic of a slot that moves again meanwhile answers MOVED: the next round takes it.
      await this.subscribeOn(owner, topics);
    }
    this.log.info({ event: 'redis_ssubscribe_moved', topics: [...byOwner.values()].flat().length }, 'sharded pub/sub topics resubscribed on their current masters');
    this.closeIdleConnections();
    return true;
  }

  private closeIdleConnections(): void {
    const inUse = new Set(this.assigned.values());
    for (const [node, connection] of this.connections) {
      if (inUse.has(node)) continue;
      this.connections.delete(node);
      connection.disconnect();
    }
  }
}

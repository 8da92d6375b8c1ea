import type { ConnectionEvent, DisconnectEvent, RealtimeNode } from '../core/index.js';
import type { Logger } from '../log.js';
import type { StatusTransition, UserStatusStore } from './store.js';

export type TransitionListener = (transition: StatusTransition) => void;

/**
 * Feeds a node's connects and disconnects into a status store and reports the transitions it
 * decides. The node's observers only queue a store call and return: Redis is never awaited on the
 * hot path. Calls go out in event order on one connection, so a user's connect and disconnect
 * reach Redis in the order they happened.
 */
export class UserStatusTracker {
  private readonly listeners = new Set<TransitionListener>();
  private timer: NodeJS.Timeout | undefined;
  private unobserve: (() => void) | undefined;
  private sweeping = false;

  constructor(
    private readonly store: UserStatusStore,
    private readonly sweepEveryMs: number,
    private readonly log: Logger,
  ) {}

  onTransition(listener: TransitionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get statusStore(): UserStatusStore {
    return this.store;
  }

  start(node: RealtimeNode): void {
    this.unobserve = node.events.observe({
      connected: (event) => this.connected(event),
      disconnected: (event) => this.disconnected(event),
    });
    this.timer = setInterval(() => void this.sweep(), this.sweepEveryMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.unobserve?.();
    clearInterval(this.timer);
    await this.store.close();
  }

  /** Ends due grace periods now; the timer calls it too. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const { user, last_seen } of await this.store.sweep(now)) this.emit({ type: 'offline', user, at: now, last_seen });
    } catch (error) {
      this.log.warn({ event: 'user_status_sweep_failed', err: (error as Error).message }, 'user status: sweep failed; retrying on the next tick');
    } finally {
      this.sweeping = false;
    }
  }

  private connected({ user, client, at }: ConnectionEvent): void {
    if (user === '') return;
    this.store.connected(user, client, at).then(
      (first) => first && this.emit({ type: 'online', user, at }),
      (error: unknown) => this.failed('connect', user, error),
    );
  }

  private disconnected({ user, client, at }: DisconnectEvent): void {
    if (user === '') return;
    this.store.disconnected(user, client, at).catch((error: unknown) => this.failed('disconnect', user, error));
  }

  private failed(what: string, user: string, error: unknown): void {
    this.log.warn({ event: 'user_status_update_failed', what, user, err: (error as Error).message }, 'user status: could not record a connection change');
  }

  private emit(transition: StatusTransition): void {
    for (const listener of this.listeners) {
      try {
        listener(transition);
      } catch (error) {
        this.log.error({ err: error }, 'user status listener failed');
      }
    }
  }
}

import type { PublicationContext, StreamPosition, SubscribedContext } from 'centrifuge';
import type { ChannelEntry, ChannelRegistry, Publication } from './channels.js';
import { SnapshotStore } from './snapshot.js';

/** Folds one publication into the state; pure, so a Server Component can run the same one over the server API's history. */
export type ChannelReducer<S, T> = (state: S, publication: Publication<T>) => S;

export interface ChannelStateOptions<S> {
  /** State already built up to `position`, e.g. rendered by a Server Component from the server API's history. */
  snapshot?: { state: S; position: StreamPosition };
  /** How many publications of history to load on a fresh start; -1 (default) is all the server keeps. */
  historyLimit?: number;
  /**
   * Loads the state from the app's own source of truth instead of the channel's history (which a
   * restarted gateway may have lost). Publications that arrive meanwhile are folded in after it,
   * so the reducer must ignore one it already has (e.g. by an id or sequence number).
   */
  load?: () => Promise<S>;
}

export interface ChannelStateSnapshot<S> {
  state: S;
  /** false while history loads after a fresh start or an unrecoverable gap. */
  ready: boolean;
  error: { code: number; message: string } | null;
}

/**
 * A channel's state as `reducer` folds its history and live publications. On a first subscribe
 * without a snapshot, and whenever the gateway cannot recover what was missed (`recovered:
 * false`), the state restarts from `initial` and history is reloaded; live publications that
 * arrive meanwhile are held and applied after it, by offset, so none is lost or applied twice.
 * With `recovered: true` the SDK delivers the missed publications, and they fold in as usual.
 */
export class ChannelStateStore<S, T> {
  readonly snapshot: SnapshotStore<ChannelStateSnapshot<S>>;
  private entry: ChannelEntry | null = null;
  /** Publications that arrived while history loads; null when none is loading. */
  private held: Publication<T>[] | null = null;
  private loads = 0;
  private started = false;
  private holds = 0;

  constructor(
    private readonly channels: ChannelRegistry,
    readonly channel: string,
    private readonly reducer: () => ChannelReducer<S, T>,
    private readonly initial: S,
    private readonly options: ChannelStateOptions<S> = {},
  ) {
    const snapshot = options.snapshot;
    this.snapshot = new SnapshotStore<ChannelStateSnapshot<S>>({ state: snapshot ? snapshot.state : initial, ready: snapshot !== undefined, error: null });
  }

  private readonly listener = {
    onSubscribed: (ctx: SubscribedContext) => {
      if (!ctx.recovered) void this.reload();
    },
    onPublication: (ctx: PublicationContext) => this.apply(ctx as Publication<T>),
  };

  /** Holds the channel; several holders (a Suspense hold, the mounted component, StrictMode's second mount) share one subscription. */
  start(): void {
    if (this.holds++ > 0) return;
    const since = this.options.snapshot?.position;
    this.entry = this.channels.acquire(this.channel, { recover: true, ...(since ? { since } : {}) });
    this.entry.listeners.add(this.listener);
    // Subscribed before this store listened (another component's subscription, or a StrictMode
    // remount during a load): no subscribed event will come, so load now. A snapshot from the
    // server is of another moment than that subscription's position, so it is reloaded too.
    const first = !this.started;
    this.started = true;
    if (this.entry.snapshot.get().status === 'subscribed' && (first || !this.snapshot.get().ready)) void this.reload();
  }

  /**
   * For a Suspense fallback: subscribes while nobody has yet (a suspended component runs no
   * effect), and resolves once the state is loaded. The hold is let go then; the component that
   * mounts holds the subscription from there (the registry keeps it for one task in between).
   */
  whenReady(): Promise<void> {
    const ready = this.snapshot.when((s) => s.ready);
    this.start();
    return ready.then(() => this.stop());
  }

  stop(): void {
    if (--this.holds > 0) return;
    this.entry?.listeners.delete(this.listener);
    this.entry = null;
    this.loads++;
    this.held = null;
    this.channels.release(this.channel);
  }

  private apply(publication: Publication<T>): void {
    if (this.held) {
      this.held.push(publication);
      return;
    }
    this.snapshot.update({ state: this.fold(this.snapshot.get().state, [publication]) });
  }

  /** The state to restart from, and the offset it includes publications up to (-1: unknown, fold every held one). */
  private async fresh(entry: ChannelEntry): Promise<{ state: S; after: number }> {
    if (this.options.load) return { state: await this.options.load(), after: -1 };
    const history = await entry.subscription.history({ limit: this.options.historyLimit ?? -1 });
    const publications = history.publications.map((publication) => ({ ...publication, channel: this.channel }) as Publication<T>);
    return { state: this.fold(this.initial, publications), after: Math.max(-1, ...publications.map((p) => p.offset ?? -1)) };
  }

  private fold(state: S, publications: readonly Publication<T>[]): S {
    const reducer = this.reducer();
    return publications.reduce((folded, publication) => reducer(folded, publication), state);
  }

  private async reload(): Promise<void> {
    const entry = this.entry;
    if (!entry) return;
    const load = ++this.loads;
    this.held = [];
    this.snapshot.update({ ready: false });
    try {
      const { state, after } = await this.fresh(entry);
      if (load !== this.loads) return;
      const missed = this.held.filter((publication) => publication.offset === undefined || publication.offset > after);
      this.snapshot.set({ state: this.fold(state, missed), ready: true, error: null });
    } catch (error) {
      if (load !== this.loads) return;
      const { code = 0, message = String(error) } = error as { code?: number; message?: string };
      // Without history the held publications are all there is: keep them rather than show nothing.
      this.snapshot.set({ state: this.fold(this.initial, this.held), ready: true, error: { code, message } });
    } finally {
      if (load === this.loads) this.held = null;
    }
  }
}

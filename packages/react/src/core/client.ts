import { Centrifuge, UnauthorizedError, type Options, type TransportEndpoint, type TransportName } from 'centrifuge';
import { DisconnectCodes } from '@renum-realtime/protocol/codes';
import { realtimeEndpoints } from '../endpoints.js';
import { describeClose } from '../words.js';
import type { ChannelStateStore } from './channel-state.js';
import { ChannelRegistry } from './channels.js';
import { FallbackRecorder, sendFallbackReport, toReport, type FallbackState } from './fallback.js';
import { NotificationsStore, type InitialInbox } from './notifications.js';
import { SnapshotStore } from './snapshot.js';

export type ConnectionStatus = 'disconnected' | 'connecting' | 'connected';

export interface LastDisconnect {
  code: number;
  reason: string;
  /** The code in plain words, for a banner. */
  words: string;
  /** false once the SDK gave up for good (refused, revoked, disconnected by the page). */
  willReconnect: boolean;
  at: number;
}

export interface ConnectionSnapshot {
  status: ConnectionStatus;
  /** Reconnect attempts since the last successful connect; 0 while connected or on the first connect. */
  attempt: number;
  /** Epoch ms of the next reconnect attempt, while one is scheduled. */
  nextAttemptAt: number | null;
  lastDisconnect: LastDisconnect | null;
  /** `navigator.onLine`; the SDK also pauses while offline. */
  online: boolean;
  /** The transport of the current connection (`websocket`, `http_stream`, `sse`); null until connected. */
  transport: TransportName | null;
  /** Why the client is not on its first transport, once it had to fall back. */
  fallback: FallbackState | null;
}

/** Returns a connection token, or `null` when the app refuses to give one (signed out, revoked): the client then stops for good. */
export type GetToken = () => Promise<string | null>;

export type ClientOptions = Partial<Omit<Options, 'getToken' | 'token'>>;

export interface TransportOptions {
  /** An explicit transport list: overrides the one derived from the URL. */
  transports?: TransportEndpoint[];
  /** Where to report a fallback; null turns the report off. Derived from the URL by default. */
  fallbackReportUrl?: string | null;
}

const initialSnapshot: ConnectionSnapshot = { status: 'disconnected', attempt: 0, nextAttemptAt: null, lastDisconnect: null, online: true, transport: null, fallback: null };

/**
 * The React-free core behind a provider: owns at most one `Centrifuge` instance, created on the
 * first `retain()` (so never on the server, where effects do not run) and reused for the
 * provider's lifetime. `retain`/`release` are deferred by one task so that React StrictMode's
 * mount → unmount → mount opens one socket, not two.
 */
export class RealtimeClient {
  readonly connection = new SnapshotStore<ConnectionSnapshot>(initialSnapshot);
  readonly channels = new ChannelRegistry(
    () => this.centrifuge(),
    () => this.resumeAfterIdle(),
  );
  private client: Centrifuge | null = null;
  private retained = 0;
  private pending: ReturnType<typeof setTimeout> | null = null;
  private readonly cleanups: Array<() => void> = [];
  private readonly inboxes = new Map<string, NotificationsStore>();
  private readonly suspendingStates = new Map<string, ChannelStateStore<unknown, unknown>>();

  constructor(
    /** The gateway: a base `https://rt.example.com`, or a `wss://…/connection/websocket` (or `/ws`) URL. */
    private readonly url: string,
    /** The latest getToken; undefined when the gateway authenticates the connection itself (connect proxy, cookie), read when the SDK client is made. */
    private readonly getToken: () => GetToken | undefined,
    private readonly options: ClientOptions = {},
    private readonly transportOptions: TransportOptions = {},
  ) {}

  /** The SDK instance, created on first use; throws on the server. */
  centrifuge(): Centrifuge {
    if (this.client) return this.client;
    if (typeof window === 'undefined' && !this.options.websocket) {
      throw new Error('@renum-realtime/react: the realtime client is browser-only; call it from an effect or an event handler');
    }
    const derived = realtimeEndpoints(this.url);
    const transports = this.transportOptions.transports ?? derived.transports;
    const reportUrl = this.transportOptions.fallbackReportUrl === undefined ? derived.fallbackReportUrl : this.transportOptions.fallbackReportUrl;
    const recorder = new FallbackRecorder(transports[0]?.transport ?? 'websocket', (fallback) => {
      this.connection.update({ fallback });
      if (reportUrl) sendFallbackReport(reportUrl, toReport(fallback));
    });
    const BaseWebSocket = this.options.websocket ?? (typeof WebSocket === 'undefined' ? null : WebSocket);
    const client = new Centrifuge(transports, {
      emulationEndpoint: derived.emulationEndpoint,
      ...this.options,
      ...(BaseWebSocket ? { websocket: recorder.websocket(BaseWebSocket) } : {}),
      ...(this.getToken()
        ? {
            getToken: async () => {
              const token = await this.getToken()!();
              if (token === null) throw new UnauthorizedError('token refused');
              return token;
            },
          }
        : {}),
    });
    recorder.attach(client);
    this.observe(client);
    this.client = client;
    return client;
  }

  /** The inbox of `user`, one per provider, shared by every `useNotifications` of that user. */
  notifications(user: string, initial?: InitialInbox): NotificationsStore {
    let inbox = this.inboxes.get(user);
    if (!inbox) {
      inbox = new NotificationsStore({ channels: this.channels, rpc: (method, data) => this.rpc(method, data) }, user, initial);
      this.inboxes.set(user, inbox);
    }
    return inbox;
  }

  /**
   * One channel state per channel for the Suspense hooks, which need the same store across the
   * render that suspends and the one that mounts. The first component's reducer and options make it.
   */
  channelState<S, T>(channel: string, make: () => ChannelStateStore<S, T>): ChannelStateStore<S, T> {
    let store = this.suspendingStates.get(channel) as ChannelStateStore<S, T> | undefined;
    if (!store) {
      store = make();
      this.suspendingStates.set(channel, store as ChannelStateStore<unknown, unknown>);
    }
    return store;
  }

  async rpc<T = unknown>(method: string, data: unknown = {}): Promise<T> {
    return (await this.centrifuge().rpc(method, data)).data as T;
  }

  retain(): void {
    this.retained += 1;
    this.schedule();
  }

  release(): void {
    this.retained -= 1;
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.pending = null;
      if (this.retained > 0) {
        const client = this.centrifuge();
        if (client.state === 'disconnected' && !this.stoppedForGood()) client.connect();
      } else if (this.client) {
        this.client.disconnect();
        this.channels.clear();
        this.inboxes.clear();
        this.suspendingStates.clear();
        for (const cleanup of this.cleanups.splice(0)) cleanup();
        this.client = null;
      }
    }, 0);
  }

  /**
   * The gateway closes a connection without subscriptions after `client.idle_timeout` (4500,
   * terminal for the SDK). That is not a refusal: as soon as the app subscribes again, connect.
   */
  private resumeAfterIdle(): void {
    const client = this.client;
    if (!client || this.retained === 0 || client.state !== 'disconnected') return;
    if (this.connection.get().lastDisconnect?.code === DisconnectCodes.idleTimeout.code) client.connect();
  }

  /** A refusal is final: retaining again (another mount) must not start a reconnect storm. */
  private stoppedForGood(): boolean {
    const last = this.connection.get().lastDisconnect;
    return last !== null && !last.willReconnect && last.code !== 0 && last.code !== DisconnectCodes.idleTimeout.code;
  }

  private observe(client: Centrifuge): void {
    const store = this.connection;
    client.on('connecting', (ctx) => {
      const lastDisconnect = ctx.code === 0 ? store.get().lastDisconnect : { code: ctx.code, reason: ctx.reason, words: describeClose(ctx.code, ctx.reason, 'connecting'), willReconnect: true, at: Date.now() };
      store.update({ status: 'connecting', lastDisconnect, transport: null });
    });
    client.on('connected', (ctx) => store.update({ status: 'connected', attempt: 0, nextAttemptAt: null, transport: ctx.transport as TransportName }));
    client.on('disconnected', (ctx) => {
      store.update({
        status: 'disconnected',
        nextAttemptAt: null,
        transport: null,
        lastDisconnect: { code: ctx.code, reason: ctx.reason, words: describeClose(ctx.code, ctx.reason, 'disconnected'), willReconnect: false, at: Date.now() },
      });
    });
    this.observeBackoff(client);
    if (typeof window !== 'undefined') {
      const onOnline = () => store.update({ online: navigator.onLine });
      store.update({ online: navigator.onLine });
      window.addEventListener('online', onOnline);
      window.addEventListener('offline', onOnline);
      this.cleanups.push(() => {
        window.removeEventListener('online', onOnline);
        window.removeEventListener('offline', onOnline);
      });
    }
  }

  /**
   * The SDK picks each reconnect delay (full-jitter backoff) in the private `_getReconnectDelay`
   * and exposes neither the delay nor the attempt number. Wrapping that one method is the only way
   * to show "attempt 3, retrying in 4 s" without a second backoff implementation; if a future SDK
   * renames it, the banner simply shows no countdown.
   */
  private observeBackoff(client: Centrifuge): void {
    const internals = client as unknown as { _getReconnectDelay?: () => number };
    const original = internals._getReconnectDelay;
    if (typeof original !== 'function') return;
    internals._getReconnectDelay = () => {
      const delay = original.call(client);
      this.connection.update({ attempt: this.connection.get().attempt + 1, nextAttemptAt: Date.now() + delay });
      return delay;
    };
  }
}

'use client';
import type { ClientInfo, JoinContext, LeaveContext, SubscribedContext } from 'centrifuge';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { ChannelStateStore, type ChannelReducer, type ChannelStateOptions, type ChannelStateSnapshot } from './core/channel-state.js';
import type { ConnectionSnapshot } from './core/client.js';
import type { ChannelOptions, GetSubscriptionToken, Publication, SubscriptionSnapshot } from './core/channels.js';
import { SnapshotStore } from './core/snapshot.js';
import { useRealtimeClient } from './provider.js';

export interface ConnectionState extends ConnectionSnapshot {
  /** Whole seconds until the next reconnect attempt, ticking; null when none is scheduled. */
  retryInSeconds: number | null;
}

/** Connection status, transport, reconnect attempt and countdown, and the last close in plain words. */
export function useConnectionState(): ConnectionState {
  const client = useRealtimeClient();
  const snapshot = useSyncExternalStore(client.connection.subscribe, client.connection.get, client.connection.get);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (snapshot.nextAttemptAt === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [snapshot.nextAttemptAt]);
  const retryInSeconds = snapshot.nextAttemptAt === null || snapshot.status !== 'connecting' ? null : Math.max(0, Math.ceil((snapshot.nextAttemptAt - now) / 1000));
  return useMemo(() => ({ ...snapshot, retryInSeconds }), [snapshot, retryInSeconds]);
}

export interface UseSubscriptionOptions<T = unknown> extends ChannelOptions {
  onPublication?: (ctx: Publication<T>) => void;
  /** Every successful (re)subscribe; reload state when `ctx.recovered` is false. */
  onSubscribed?: (ctx: SubscribedContext) => void;
  onJoin?: (ctx: JoinContext) => void;
  onLeave?: (ctx: LeaveContext) => void;
}

const idle: SubscriptionSnapshot = { status: 'unsubscribed', recovered: null, generation: 0, streamPosition: null, error: null };
const idleStore = new SnapshotStore(idle);

/**
 * Subscribes this component to `channel` (null = not now). Components using the same channel
 * share one subscription; callbacks (and `getToken`) may change on every render without
 * resubscribing. The first component of a channel owns its options.
 */
export function useSubscription<T = unknown>(channel: string | null, options: UseSubscriptionOptions<T> = {}): SubscriptionSnapshot {
  const client = useRealtimeClient();
  const callbacks = useRef(options);
  callbacks.current = options;
  const [store, setStore] = useState<SnapshotStore<SubscriptionSnapshot>>(idleStore);
  const { recover, joinLeave, delta, since } = options;
  const wantsToken = options.getToken !== undefined;
  useEffect(() => {
    if (channel === null) return;
    // A stable function calling the latest getToken, so a re-render with a new closure is no new subscription.
    const getToken: GetSubscriptionToken = (name) => callbacks.current.getToken!(name);
    const entry = client.channels.acquire(channel, {
      ...(recover !== undefined ? { recover } : {}),
      ...(joinLeave !== undefined ? { joinLeave } : {}),
      ...(delta !== undefined ? { delta } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(wantsToken ? { getToken } : {}),
    });
    const listener = {
      onPublication: (ctx: Publication) => callbacks.current.onPublication?.(ctx as Publication<T>),
      onSubscribed: (ctx: SubscribedContext) => callbacks.current.onSubscribed?.(ctx),
      onJoin: (ctx: JoinContext) => callbacks.current.onJoin?.(ctx),
      onLeave: (ctx: LeaveContext) => callbacks.current.onLeave?.(ctx),
    };
    entry.listeners.add(listener);
    setStore(entry.snapshot);
    return () => {
      entry.listeners.delete(listener);
      client.channels.release(channel);
      setStore(idleStore);
    };
    // `since` is read once per channel: a new object for the same position must not resubscribe.
  }, [client, channel, recover, joinLeave, delta, wantsToken]);
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}

/**
 * State folded by `reducer` from the channel's history and its live publications, reset to
 * `initial` and rebuilt from history whenever the gateway could not recover a gap
 * (`recovered: false`). Pass `snapshot` (state and stream position rendered on the server) to
 * take over from server rendering with no flash and no event twice.
 */
export function useChannelState<S, T = unknown>(
  channel: string,
  reducer: ChannelReducer<S, T>,
  initial: S,
  options: ChannelStateOptions<S> = {},
): ChannelStateSnapshot<S> {
  const client = useRealtimeClient();
  const latestReducer = useRef(reducer);
  latestReducer.current = reducer;
  // One store per channel; `initial` and `snapshot` are read when it is made. Making it has no side effect (StrictMode may make two).
  const store = useMemo(() => new ChannelStateStore<S, T>(client.channels, channel, () => latestReducer.current, initial, options), [client, channel]);
  useEffect(() => {
    store.start();
    return () => store.stop();
  }, [store]);
  return useSyncExternalStore(store.snapshot.subscribe, store.snapshot.get, store.snapshot.get);
}

export interface PresenceState {
  /** Connected clients by client id. */
  clients: Readonly<Record<string, ClientInfo>>;
  /** Distinct user ids present. */
  users: readonly string[];
  error: { code: number; message: string } | null;
}

/** Who is on `channel`: loaded on every subscribe, refreshed on each join and leave push. */
export function usePresence(channel: string | null): PresenceState {
  const client = useRealtimeClient();
  const [state, setState] = useState<PresenceState>({ clients: {}, users: [], error: null });
  const load = useCallback(() => {
    if (channel === null) return;
    client.channels
      .peek(channel)
      ?.subscription.presence()
      .then(
        (result) => setState({ clients: result.clients, users: [...new Set(Object.values(result.clients).map((c) => c.user))], error: null }),
        (error: { code?: number; message?: string }) => setState((s) => ({ ...s, error: { code: error.code ?? 0, message: error.message ?? String(error) } })),
      );
  }, [client, channel]);
  const subscription = useSubscription(channel, { joinLeave: true, onJoin: load, onLeave: load });
  // On each (re)subscribe, including one made earlier by another component sharing the channel.
  useEffect(() => {
    if (subscription.status === 'subscribed') load();
  }, [subscription.status, subscription.generation, load]);
  return state;
}

export type Rpc = <T = unknown>(method: string, data?: unknown) => Promise<T>;

/** A stable function calling server RPC methods over the provider's connection. */
export function useRpc(): Rpc {
  const client = useRealtimeClient();
  return useCallback<Rpc>((method, data) => client.rpc(method, data), [client]);
}

export type Publish<T = unknown> = (data: T) => Promise<void>;

/**
 * A stable function publishing to `channel` over the connection (the namespace must allow client
 * publishing). A rejection carries the gateway's error `code` (103 permission denied, …).
 */
export function usePublish<T = unknown>(channel: string): Publish<T> {
  const client = useRealtimeClient();
  return useCallback<Publish<T>>(
    async (data) => {
      await client.centrifuge().publish(channel, data);
    },
    [client, channel],
  );
}

import type { ClientInfo, JoinContext, LeaveContext, PublicationContext, SubscribedContext } from 'centrifuge';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ConnectionSnapshot } from './core/client.js';
import type { ChannelOptions, SubscriptionSnapshot } from './core/channels.js';
import { SnapshotStore } from './core/snapshot.js';
import { useRealtimeClient } from './provider.js';

export interface ConnectionState extends ConnectionSnapshot {
  /** Whole seconds until the next reconnect attempt, ticking; null when none is scheduled. */
  retryInSeconds: number | null;
}

/** Connection status, reconnect attempt and countdown, and the last close in plain words. */
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

export interface UseSubscriptionOptions extends ChannelOptions {
  onPublication?: (ctx: PublicationContext) => void;
  /** Every successful (re)subscribe; reload state when `ctx.recovered` is false. */
  onSubscribed?: (ctx: SubscribedContext) => void;
  onJoin?: (ctx: JoinContext) => void;
  onLeave?: (ctx: LeaveContext) => void;
}

const idle: SubscriptionSnapshot = { status: 'unsubscribed', recovered: null, generation: 0, streamPosition: null, error: null };
const idleStore = new SnapshotStore(idle);

/**
 * Subscribes this component to `channel` (null = not now). Components using the same channel
 * share one subscription; callbacks may change on every render without resubscribing.
 */
export function useSubscription(channel: string | null, options: UseSubscriptionOptions = {}): SubscriptionSnapshot {
  const client = useRealtimeClient();
  const callbacks = useRef(options);
  callbacks.current = options;
  const [store, setStore] = useState<SnapshotStore<SubscriptionSnapshot>>(idleStore);
  const { recover, joinLeave } = options;
  useEffect(() => {
    if (channel === null) return;
    const entry = client.channels.acquire(channel, { ...(recover !== undefined ? { recover } : {}), ...(joinLeave !== undefined ? { joinLeave } : {}) });
    const listener = {
      onPublication: (ctx: PublicationContext) => callbacks.current.onPublication?.(ctx),
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
  }, [client, channel, recover, joinLeave]);
  return useSyncExternalStore(store.subscribe, store.get, store.get);
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
  return useCallback<Rpc>(async <T,>(method: string, data: unknown = {}) => (await client.centrifuge().rpc(method, data)).data as T, [client]);
}

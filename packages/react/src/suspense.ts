'use client';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { ChannelStateStore, type ChannelReducer, type ChannelStateOptions } from './core/channel-state.js';
import { ClientOnlyError } from './errors.js';
import { useRealtimeClient } from './provider.js';
import type { NotificationsState } from './use-notifications.js';
import { useNotifications } from './use-notifications.js';

/**
 * A suspended render has no effects, so the hooks below start loading from render and throw the
 * promise React waits on. On the server there is no connection to wait for: they throw, and
 * React renders the Suspense fallback there and this component in the browser (React's
 * documented path for client-only content).
 */
function suspendUntil(promise: Promise<void>, name: string): never {
  if (typeof window === 'undefined') throw new ClientOnlyError(name, `${name} waits for the browser's connection; during server rendering its Suspense fallback is sent instead.`);
  throw promise;
}

/** `useChannelState` that suspends until the channel's state is loaded (history or `load`). One store per channel: the first component's reducer and options apply. */
export function useSuspenseChannelState<S, T = unknown>(channel: string, reducer: ChannelReducer<S, T>, initial: S, options: ChannelStateOptions<S> = {}): S {
  const client = useRealtimeClient();
  const latestReducer = useRef(reducer);
  latestReducer.current = reducer;
  const store = typeof window === 'undefined' ? null : client.channelState(channel, () => new ChannelStateStore<S, T>(client.channels, channel, () => latestReducer.current, initial, options));
  if (!store || !store.snapshot.get().ready) suspendUntil(store ? store.whenReady() : Promise.resolve(), 'useSuspenseChannelState');
  useEffect(() => {
    store.start();
    return () => store.stop();
  }, [store]);
  return useSyncExternalStore(store.snapshot.subscribe, store.snapshot.get, store.snapshot.get).state;
}

/** `useNotifications` that suspends until the first page of the inbox arrived. */
export function useSuspenseNotifications(user: string): NotificationsState {
  const client = useRealtimeClient();
  const inbox = typeof window === 'undefined' ? null : client.notifications(user);
  if (!inbox || inbox.snapshot.get().loading) suspendUntil(inbox ? inbox.whenLoaded() : Promise.resolve(), 'useSuspenseNotifications');
  return useNotifications(user);
}

import type { ClientInfo, PublicationContext, SubscribedContext } from 'centrifuge';
import type { ReactNode } from 'react';
import { describe, expectTypeOf, it } from 'vitest';
import {
  RealtimeProvider,
  resolveWebSocketUrl,
  useConnectionState,
  useNotifications,
  usePresence,
  useRpc,
  useSubscription,
  WebSocketUrlError,
  type ConnectionStatus,
  type Notification,
  type RealtimeProviderProps,
  type SubscriptionSnapshot,
  type WebSocketUrlProblem,
} from '../src/index.js';

describe('public types', () => {
  it('RealtimeProvider takes a url, a token getter that may refuse, and client options', () => {
    expectTypeOf<RealtimeProviderProps['url']>().toEqualTypeOf<string>();
    expectTypeOf<RealtimeProviderProps['getToken']>().toEqualTypeOf<() => Promise<string | null>>();
    expectTypeOf<RealtimeProviderProps['children']>().toEqualTypeOf<ReactNode | undefined>();
    expectTypeOf<NonNullable<RealtimeProviderProps['options']>>().toHaveProperty('maxReconnectDelay').toEqualTypeOf<number | undefined>();
    // The token is the provider's business: a fixed `token` option would never refresh.
    expectTypeOf<NonNullable<RealtimeProviderProps['options']>>().not.toHaveProperty('token');
    expectTypeOf(RealtimeProvider).parameter(0).toEqualTypeOf<RealtimeProviderProps>();
  });

  it('resolveWebSocketUrl returns a string and throws a coded error', () => {
    expectTypeOf(resolveWebSocketUrl).returns.toEqualTypeOf<string>();
    expectTypeOf(resolveWebSocketUrl).parameter(0).toEqualTypeOf<string | undefined | null>();
    expectTypeOf<WebSocketUrlError['code']>().toEqualTypeOf<WebSocketUrlProblem>();
    expectTypeOf<WebSocketUrlProblem>().toEqualTypeOf<'missing' | 'invalid' | 'not_websocket' | 'mixed_content' | 'localhost_in_production'>();
  });

  it('useConnectionState reports status, attempt, countdown and the last close in words', () => {
    type State = ReturnType<typeof useConnectionState>;
    expectTypeOf<State['status']>().toEqualTypeOf<ConnectionStatus>();
    expectTypeOf<ConnectionStatus>().toEqualTypeOf<'disconnected' | 'connecting' | 'connected'>();
    expectTypeOf<State['attempt']>().toEqualTypeOf<number>();
    expectTypeOf<State['retryInSeconds']>().toEqualTypeOf<number | null>();
    expectTypeOf<NonNullable<State['lastDisconnect']>>().toMatchTypeOf<{ code: number; reason: string; words: string; willReconnect: boolean }>();
  });

  it('useSubscription takes a channel or null and callbacks, and reports recovered', () => {
    expectTypeOf(useSubscription).parameter(0).toEqualTypeOf<string | null>();
    expectTypeOf(useSubscription).returns.toEqualTypeOf<SubscriptionSnapshot>();
    expectTypeOf<SubscriptionSnapshot['recovered']>().toEqualTypeOf<boolean | null>();
    type Options = NonNullable<Parameters<typeof useSubscription>[1]>;
    expectTypeOf<Options['onPublication']>().toEqualTypeOf<((ctx: PublicationContext) => void) | undefined>();
    expectTypeOf<Options['onSubscribed']>().toEqualTypeOf<((ctx: SubscribedContext) => void) | undefined>();
    expectTypeOf<Options['recover']>().toEqualTypeOf<boolean | undefined>();
    expectTypeOf<Options['joinLeave']>().toEqualTypeOf<boolean | undefined>();
  });

  it('usePresence lists clients and users', () => {
    expectTypeOf(usePresence).returns.toHaveProperty('clients').toEqualTypeOf<Readonly<Record<string, ClientInfo>>>();
    expectTypeOf(usePresence).returns.toHaveProperty('users').toEqualTypeOf<readonly string[]>();
  });

  it('useRpc returns a generic async caller', () => {
    expectTypeOf(useRpc).returns.toEqualTypeOf<<T = unknown>(method: string, data?: unknown) => Promise<T>>();
  });

  it('useNotifications exposes the inbox and its actions', () => {
    type Inbox = ReturnType<typeof useNotifications>;
    expectTypeOf(useNotifications).parameter(0).toEqualTypeOf<string>();
    expectTypeOf<Inbox['items']>().toEqualTypeOf<readonly Notification[]>();
    expectTypeOf<Inbox['unreadCount']>().toEqualTypeOf<number>();
    expectTypeOf<Inbox['markRead']>().toEqualTypeOf<(ids: string[]) => Promise<void>>();
    expectTypeOf<Inbox['markAllRead']>().toEqualTypeOf<() => Promise<void>>();
    expectTypeOf<Inbox['dismiss']>().toEqualTypeOf<(ids: string[]) => Promise<void>>();
    expectTypeOf<Notification>().toHaveProperty('read_at').toEqualTypeOf<string | null>();
  });
});

import type { ClientInfo, StreamPosition, SubscribedContext, TransportName } from 'centrifuge';
import type { ReactNode } from 'react';
import { describe, expectTypeOf, it } from 'vitest';
import {
  ClientOnlyError,
  createRealtime,
  RealtimeProvider,
  useChannelState,
  usePublish,
  type ChannelData,
  type ChannelName,
  type ChannelStateSnapshot,
  type FallbackState,
  type Publication,
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
  it('RealtimeProvider takes a url, an optional token getter that may refuse (none: a connect proxy authenticates), and client options', () => {
    expectTypeOf<RealtimeProviderProps['url']>().toEqualTypeOf<string>();
    expectTypeOf<RealtimeProviderProps['getToken']>().toEqualTypeOf<(() => Promise<string | null>) | undefined>();
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
    expectTypeOf<State['transport']>().toEqualTypeOf<TransportName | null>();
    expectTypeOf<NonNullable<State['fallback']>>().toEqualTypeOf<FallbackState>();
    expectTypeOf<FallbackState['reason']>().toEqualTypeOf<'timeout' | 'transport_closed' | 'error'>();
    expectTypeOf<NonNullable<State['lastDisconnect']>>().toMatchTypeOf<{ code: number; reason: string; words: string; willReconnect: boolean }>();
  });

  it('useSubscription takes a channel or null and callbacks, and reports recovered', () => {
    expectTypeOf(useSubscription).parameter(0).toEqualTypeOf<string | null>();
    expectTypeOf(useSubscription).returns.toEqualTypeOf<SubscriptionSnapshot>();
    expectTypeOf<SubscriptionSnapshot['recovered']>().toEqualTypeOf<boolean | null>();
    type Options = NonNullable<Parameters<typeof useSubscription>[1]>;
    // Untyped channels give `unknown` data, not `any`: reading it needs a check or a typed map.
    expectTypeOf<Options['onPublication']>().toEqualTypeOf<((ctx: Publication<unknown>) => void) | undefined>();
    expectTypeOf<Publication['data']>().toEqualTypeOf<unknown>();
    expectTypeOf<Options['getToken']>().toEqualTypeOf<((channel: string) => Promise<string | null>) | undefined>();
    expectTypeOf<Options['delta']>().toEqualTypeOf<'fossil' | undefined>();
    expectTypeOf<Options['since']>().toEqualTypeOf<StreamPosition | undefined>();
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

  it('useChannelState folds typed publications into the reducer state', () => {
    // Type-checked only: hooks run inside a component, never here.
    function Component() {
      const state = useChannelState('x', (s: number, p: Publication<{ n: number }>) => s + p.data.n, 0);
      expectTypeOf(state).toEqualTypeOf<ChannelStateSnapshot<number>>();
      expectTypeOf(usePublish<{ n: number }>('x')).toEqualTypeOf<(data: { n: number }) => Promise<void>>();
    }
    expectTypeOf(Component).toBeFunction();
  });

  it('ClientOnlyError is coded', () => {
    expectTypeOf<ClientOnlyError['code']>().toEqualTypeOf<'client_only'>();
    expectTypeOf<ClientOnlyError['exportName']>().toEqualTypeOf<string>();
  });
});

interface ExecutionEvent {
  seq: number;
  status: 'running' | 'completed';
}
interface ChatMessage {
  text: string;
}
type Channels = { 'execution:*': ExecutionEvent; 'chat:lobby': ChatMessage; 'user:*:presence': { online: boolean } };
type Rpcs = { echo: { request: { text: string }; response: { echoed: string } } };

describe('typed channel map (createRealtime)', () => {
  const realtime = createRealtime<Channels, Rpcs>();

  it('knows the channel names, patterns included', () => {
    expectTypeOf<'execution:42'>().toExtend<ChannelName<Channels>>();
    expectTypeOf<'user:7:presence'>().toExtend<ChannelName<Channels>>();
    expectTypeOf<'chat:lobby'>().toExtend<ChannelName<Channels>>();
    expectTypeOf<'chat:other'>().not.toExtend<ChannelName<Channels>>();
    expectTypeOf<ChannelData<Channels, 'execution:42'>>().toEqualTypeOf<ExecutionEvent>();
    expectTypeOf<ChannelData<Channels, 'user:7:presence'>>().toEqualTypeOf<{ online: boolean }>();
  });

  it('types publications end to end', () => {
    // Type-checked only: hooks run inside a component, never here.
    function Component() {
      realtime.useSubscription('execution:1', {
        onPublication: (ctx) => {
          expectTypeOf(ctx.data).toEqualTypeOf<ExecutionEvent>();
          expectTypeOf(ctx.data.seq).toBeNumber();
        },
      });
      realtime.useSubscription('chat:lobby', { onPublication: (ctx) => expectTypeOf(ctx.data.text).toBeString() });
      // @ts-expect-error not a channel of the map
      realtime.useSubscription('chat:other');
      realtime.useSubscription('execution:1', {
        // @ts-expect-error an execution event has no text
        onPublication: (ctx) => ctx.data.text,
      });
    }
    expectTypeOf(Component).toBeFunction();
  });

  it('types the reducer, publish and RPC', () => {
    // Type-checked only: hooks run inside a component, never here.
    function Component() {
      const runs = realtime.useChannelState('execution:9', (count: number, p) => (p.data.status === 'completed' ? count + 1 : count), 0);
      expectTypeOf(runs.state).toBeNumber();
      const publish = realtime.usePublish('chat:lobby');
      expectTypeOf(publish).parameter(0).toEqualTypeOf<ChatMessage>();
      // @ts-expect-error a chat message needs text
      void publish({ body: 'x' });
      const rpc = realtime.useRpc();
      expectTypeOf(rpc('echo', { text: 'hi' })).toEqualTypeOf<Promise<{ echoed: string }>>();
      // @ts-expect-error unknown RPC method
      void rpc('nope', {});
      // @ts-expect-error wrong request shape
      void rpc('echo', { body: 'x' });
    }
    expectTypeOf(Component).toBeFunction();
  });
});

import type { ChannelReducer, ChannelStateOptions, ChannelStateSnapshot } from './core/channel-state.js';
import type { SubscriptionSnapshot } from './core/channels.js';
import { useChannelState, usePublish, useRpc, useSubscription, type Publish, type UseSubscriptionOptions } from './hooks.js';
import { useSuspenseChannelState } from './suspense.js';

/**
 * Typed channels: a map from channel name or pattern (`'execution:*'` matches `execution:42`) to
 * the type of its publications, and optionally one from RPC method to `{ request; response }`.
 */
export type ChannelMap = Record<string, unknown>;
export type RpcMap = Record<string, { request: unknown; response: unknown }>;

/** `'execution:*'` → `` `execution:${string}` ``; a name without `*` stands for itself. */
export type ChannelPattern<K extends string> = K extends `${infer Prefix}*${infer Rest}` ? `${Prefix}${string}${ChannelPattern<Rest>}` : K;

/** Every channel name the map allows. */
export type ChannelName<M extends ChannelMap> = { [K in keyof M & string]: ChannelPattern<K> }[keyof M & string];

/** The publication type of `C` (a union when several patterns match it). */
export type ChannelData<M extends ChannelMap, C extends string> = { [K in keyof M & string]: C extends ChannelPattern<K> ? M[K] : never }[keyof M & string];

export interface TypedRealtime<M extends ChannelMap, R extends RpcMap> {
  useSubscription<C extends ChannelName<M>>(channel: C | null, options?: UseSubscriptionOptions<ChannelData<M, C>>): SubscriptionSnapshot;
  useChannelState<C extends ChannelName<M>, S>(
    channel: C,
    reducer: ChannelReducer<S, ChannelData<M, C>>,
    initial: S,
    options?: ChannelStateOptions<S>,
  ): ChannelStateSnapshot<S>;
  useSuspenseChannelState<C extends ChannelName<M>, S>(channel: C, reducer: ChannelReducer<S, ChannelData<M, C>>, initial: S, options?: ChannelStateOptions<S>): S;
  usePublish<C extends ChannelName<M>>(channel: C): Publish<ChannelData<M, C>>;
  useRpc(): <K extends keyof R & string>(method: K, data: R[K]['request']) => Promise<R[K]['response']>;
}

/**
 * The hooks, typed by the app's channel map, so a publication's `data` is typed end to end:
 *
 * ```ts
 * export const realtime = createRealtime<{ 'execution:*': ExecutionEvent; 'chat:lobby': ChatMessage }>();
 * realtime.useSubscription(`execution:${id}`, { onPublication: (ctx) => ctx.data.seq });
 * ```
 *
 * No runtime cost: the same hooks, under the RealtimeProvider of the tree.
 */
export function createRealtime<M extends ChannelMap, R extends RpcMap = Record<never, never>>(): TypedRealtime<M, R> {
  return { useSubscription, useChannelState, useSuspenseChannelState, usePublish, useRpc } as unknown as TypedRealtime<M, R>;
}


'use client';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import type { Publication, SubscriptionSnapshot } from './core/channels.js';
import { useSubscription } from './hooks.js';

export interface QuerySyncOptions<T, D> {
  queryKey: QueryKey;
  /** Applies a publication to the cached data in place; without it, each publication invalidates the query. */
  patch?: (data: D | undefined, publication: Publication<T>) => D | undefined;
}

/**
 * Keeps a TanStack Query cache entry in step with `channel`: each publication patches the
 * query's data (or invalidates it, so it refetches), and every subscribe that could not recover
 * what was missed (`recovered: false`) invalidates it, since patches may have been lost.
 * A patch that lands while the query refetches is overwritten by the fetched data, which is the
 * server's newer truth. `@renum-realtime/react/tanstack`; needs `@tanstack/react-query` (an
 * optional peer). Returns the subscription's snapshot.
 */
export function useQuerySync<T = unknown, D = unknown>(channel: string | null, { queryKey, patch }: QuerySyncOptions<T, D>): SubscriptionSnapshot {
  const queryClient = useQueryClient();
  return useSubscription<T>(channel, {
    recover: true,
    onPublication: (publication) => {
      if (patch) queryClient.setQueryData<D>(queryKey, (data) => patch(data, publication));
      else void queryClient.invalidateQueries({ queryKey });
    },
    onSubscribed: (ctx) => {
      if (!ctx.recovered) void queryClient.invalidateQueries({ queryKey });
    },
  });
}

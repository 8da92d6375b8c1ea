/**
 * What `import … from '@renum-realtime/react'` resolves to in React Server Components (the
 * `react-server` export condition Next.js uses there). The provider stays usable (it is a client
 * component); the hooks and the client core cannot run on the server, so they throw a
 * ClientOnlyError that says where to use them instead of failing deep inside React.
 */
import type * as client from './index.js';
import { ClientOnlyError } from './errors.js';

function clientOnly<T>(name: string): T {
  const stub = () => {
    throw new ClientOnlyError(name);
  };
  return stub as T;
}

export { RealtimeProvider } from './provider.js';
export { resolveWebSocketUrl, resolveRealtimeUrl, resolveGatewayUrl, WebSocketUrlError, WEBSOCKET_URL_VARIABLE, REALTIME_URL_VARIABLE } from './url.js';
export { realtimeEndpoints } from './endpoints.js';
export { describeClose } from './words.js';
export { ClientOnlyError } from './errors.js';
export { inboxChannel, BROADCAST_CHANNEL } from './core/notifications.js';

export const useRealtimeClient = clientOnly<typeof client.useRealtimeClient>('useRealtimeClient');
export const useConnectionState = clientOnly<typeof client.useConnectionState>('useConnectionState');
export const useSubscription = clientOnly<typeof client.useSubscription>('useSubscription');
export const useChannelState = clientOnly<typeof client.useChannelState>('useChannelState');
export const usePresence = clientOnly<typeof client.usePresence>('usePresence');
export const useRpc = clientOnly<typeof client.useRpc>('useRpc');
export const usePublish = clientOnly<typeof client.usePublish>('usePublish');
export const useNotifications = clientOnly<typeof client.useNotifications>('useNotifications');
export const useSuspenseChannelState = clientOnly<typeof client.useSuspenseChannelState>('useSuspenseChannelState');
export const useSuspenseNotifications = clientOnly<typeof client.useSuspenseNotifications>('useSuspenseNotifications');
export const createRealtime = clientOnly<typeof client.createRealtime>('createRealtime');

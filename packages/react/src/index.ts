export { RealtimeProvider, useRealtimeClient, type RealtimeProviderProps } from './provider.js';
export {
  useConnectionState,
  useSubscription,
  useChannelState,
  usePresence,
  useRpc,
  usePublish,
  type ConnectionState,
  type UseSubscriptionOptions,
  type PresenceState,
  type Rpc,
  type Publish,
} from './hooks.js';
export { useNotifications, type NotificationsState } from './use-notifications.js';
export { useSuspenseChannelState, useSuspenseNotifications } from './suspense.js';
export { createRealtime, type ChannelMap, type RpcMap, type ChannelName, type ChannelData, type ChannelPattern, type TypedRealtime } from './typed.js';
export {
  resolveWebSocketUrl,
  resolveRealtimeUrl,
  resolveGatewayUrl,
  WebSocketUrlError,
  WEBSOCKET_URL_VARIABLE,
  REALTIME_URL_VARIABLE,
  type ResolveWebSocketUrlOptions,
  type WebSocketUrlProblem,
} from './url.js';
export { realtimeEndpoints, type RealtimeEndpoints } from './endpoints.js';
export { describeClose } from './words.js';
export { ClientOnlyError } from './errors.js';
export { RealtimeClient, type ConnectionSnapshot, type ConnectionStatus, type LastDisconnect, type GetToken, type ClientOptions, type TransportOptions } from './core/client.js';
export { ChannelRegistry, type SubscriptionSnapshot, type SubscriptionStatus, type ChannelOptions, type Publication, type GetSubscriptionToken } from './core/channels.js';
export { ChannelStateStore, type ChannelReducer, type ChannelStateOptions, type ChannelStateSnapshot } from './core/channel-state.js';
export type { FallbackReason, FallbackReport, FallbackState } from './core/fallback.js';
export { NotificationsStore, inboxChannel, BROADCAST_CHANNEL, type Notification, type NotificationsSnapshot, type InboxEvent, type NotificationPage, type InitialInbox } from './core/notifications.js';
export { UnauthorizedError, type TransportEndpoint, type TransportName, type StreamPosition } from 'centrifuge';

export { RealtimeProvider, useRealtimeClient, type RealtimeProviderProps } from './provider.js';
export { useConnectionState, useSubscription, usePresence, useRpc, type ConnectionState, type UseSubscriptionOptions, type PresenceState, type Rpc } from './hooks.js';
export { useNotifications, type NotificationsState } from './use-notifications.js';
export { resolveWebSocketUrl, WebSocketUrlError, WEBSOCKET_URL_VARIABLE, type ResolveWebSocketUrlOptions, type WebSocketUrlProblem } from './url.js';
export { describeClose } from './words.js';
export { RealtimeClient, type ConnectionSnapshot, type ConnectionStatus, type LastDisconnect, type GetToken, type ClientOptions } from './core/client.js';
export { ChannelRegistry, type SubscriptionSnapshot, type SubscriptionStatus, type ChannelOptions } from './core/channels.js';
export { NotificationsStore, inboxChannel, BROADCAST_CHANNEL, type Notification, type NotificationsSnapshot, type InboxEvent } from './core/notifications.js';
export { UnauthorizedError } from 'centrifuge';

/**
 * The session core's public surface: what transports, the server API, the admin pages, the inbox
 * and the CLI may use. Nothing here imports from those edges.
 */
export { RealtimeNode, VERSION, type NodeOptions, type ConnectionSelector, type ConnectionUpdate, type EmulationOutcome } from './node.js';
export { RpcError, type RpcCall, type RpcHandler } from './session/context.js';
export type { Session } from './session/session.js';
export { hasHistory, historyOptions, type ChannelSpec, type ChannelResolution } from './channels/namespace.js';
export type { Connection, ConnectionMeta, Disconnect, FanOut, Frame, TopicFanOut, Transport, TransportName, WireProtocol } from './transport.js';
export { TRANSPORT_NAMES, WRITE_EACH, writeEach } from './transport.js';
export type { ConnectionEvent, DisconnectEvent, FallbackEvent, FallbackReason, NodeObserver, RejectionEvent, SubscriptionEvent } from './events.js';
export { closeReason } from './session/token-failure.js';
export { NodeEvents } from './events.js';
export { NO_PROXIES } from './proxy.js';
export type { ConnectProxyResult, EventProxies, ProxyCaller, ProxyOutcome, PublishProxyResult, RefreshProxyResult, RpcProxyResult, SubscribeProxyResult } from './proxy.js';

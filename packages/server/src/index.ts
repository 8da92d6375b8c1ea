export { Gateway, type GatewayOptions } from './gateway.js';
export { RealtimeNode, VERSION } from './node.js';
export { loadConfig } from './config/load.js';
export { ConfigError } from './config/errors.js';
export type { RealtimeConfig, Environment, ChannelOptions, NamespaceConfig } from './config/types.js';
export { RpcError, type RpcHandler, type RpcCall } from './session/context.js';
export { mintToken } from './auth/mint.js';
export type { Broker, PresenceStore } from './broker/broker.js';

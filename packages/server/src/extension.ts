import type { RealtimeNode } from './node.js';
import type { RpcHandler } from './session/context.js';

/** A server API method added by an extension: validates its own body, throws ApiError on failure. */
export type ExtensionApiMethod = (node: RealtimeNode, body: unknown) => Promise<object>;

/**
 * A feature built on the gateway (the notification inbox, the admin pages): it adds RPC methods
 * for clients and server API methods for back ends, and has a start and a stop.
 */
export interface GatewayExtension {
  readonly name: string;
  readonly rpc?: Record<string, RpcHandler>;
  readonly api?: Record<string, ExtensionApiMethod>;
  start?(node: RealtimeNode): Promise<void>;
  stop?(): Promise<void>;
}

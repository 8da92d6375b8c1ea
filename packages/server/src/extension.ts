import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExtensionApiMethod, ServerApi } from './api/methods.js';
import type { RealtimeNode } from './core/node.js';
import type { RpcHandler } from './core/session/context.js';

export type { ExtensionApiMethod };

/** Answers the HTTP requests under one path prefix. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** What an extension may use of the running gateway. */
export interface GatewayHost {
  readonly node: RealtimeNode;
  readonly api: ServerApi;
}

/**
 * A feature built on the gateway (the notification inbox, the admin pages): it adds RPC methods
 * for clients, server API methods for back ends and HTTP routes, and has a start and a stop.
 */
export interface GatewayExtension {
  readonly name: string;
  readonly rpc?: Record<string, RpcHandler>;
  readonly api?: Record<string, ExtensionApiMethod>;
  /** By path prefix: `/admin` serves `/admin` and everything below it. */
  readonly routes?: Record<string, RouteHandler>;
  start?(host: GatewayHost): Promise<void>;
  stop?(): Promise<void>;
}

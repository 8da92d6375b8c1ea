import { applyControlCommand, ServerApi, type ExtensionApiMethod } from './api/methods.js';
import { serveAdminOff } from './admin/off.js';
import { createTokenVerifier } from './auth/verifier.js';
import type { Broker, PresenceStore } from './broker/broker.js';
import type { ControlBus } from './broker/control.js';
import { MemoryBroker, MemoryPresence } from './broker/memory.js';
import type { RealtimeConfig } from './config/types.js';
import { NodeEvents, RealtimeNode, type RpcHandler } from './core/index.js';
import type { GatewayExtension, RouteHandler } from './extension.js';
import { createLogger, type Logger } from './log.js';
import { Metrics } from './metrics/metrics.js';
import { OriginPolicy } from './policy/origin.js';
import { createEventProxies } from './proxy/http-proxies.js';
import { transportEndpoints } from './transport/endpoints.js';
import { nodeRuntime, type Listener, type Runtime } from './transport/runtime.js';

export interface GatewayOptions {
  config: RealtimeConfig;
  log?: Logger;
  /** RPC methods clients may call with `client.rpc(method, data)`. */
  rpc?: Record<string, RpcHandler>;
  broker?: Broker;
  presence?: PresenceStore;
  /** Links the server API of several nodes (the Redis engine's); this node only when absent. */
  control?: ControlBus;
  extensions?: GatewayExtension[];
  /** Node (`ws`) unless an entry point for another runtime passes its own. */
  runtime?: Runtime;
}

function merged<T>(own: Record<string, T> | undefined, extensions: GatewayExtension[], what: string, pick: (e: GatewayExtension) => Record<string, T> | undefined): Map<string, T> {
  const all = new Map(Object.entries(own ?? {}));
  for (const extension of extensions) {
    for (const [name, value] of Object.entries(pick(extension) ?? {})) {
      if (all.has(name)) throw new TypeError(`${extension.name}: ${what} "${name}" is already registered`);
      all.set(name, value);
    }
  }
  return all;
}

/** Without the admin extension, `/admin` still says what it is and how to turn it on. */
const ADMIN_NOT_MOUNTED: Record<string, RouteHandler> = {
  '/admin': (_req, res, url) => serveAdminOff('The admin dashboard is not part of this gateway.', res, url),
};

/**
 * A running gateway: the core node, the server API over it, the transports and routes that reach
 * it, and the address it listens on. This is where the edges are wired to the core.
 */
export class Gateway {
  private constructor(
    readonly node: RealtimeNode,
    readonly api: ServerApi,
    readonly listener: Listener,
    readonly policy: OriginPolicy,
    private readonly extensions: GatewayExtension[],
  ) {}

  static async start(options: GatewayOptions): Promise<Gateway> {
    const { config } = options;
    const log = options.log ?? createLogger(config.log.level);
    const extensions = options.extensions ?? [];
    const runtime = options.runtime ?? nodeRuntime;
    const metrics = new Metrics();
    const events = new NodeEvents();
    const node = new RealtimeNode({
      config,
      broker: options.broker ?? new MemoryBroker(),
      presence: options.presence ?? new MemoryPresence(),
      ...(options.control ? { control: options.control } : {}),
      verifier: createTokenVerifier(config.client.token),
      metrics,
      log,
      events,
      proxies: createEventProxies(config, { log, metrics, events }),
      rpcHandlers: merged(options.rpc, extensions, 'method', (e) => e.rpc),
    });
    const api = new ServerApi(node, merged<ExtensionApiMethod>(undefined, extensions, 'method', (e) => e.api));
    const routes = new Map(Object.entries(ADMIN_NOT_MOUNTED));
    for (const [prefix, handler] of merged<RouteHandler>(undefined, extensions, 'route', (e) => e.routes)) routes.set(prefix, handler);
    await node.start((command) => applyControlCommand(node, command));
    for (const extension of extensions) await extension.start?.({ node, api });
    const policy = new OriginPolicy(config.client.allowed_origins, config.environment);
    const listener = await runtime.listen({ node, policy, api, routes, endpoints: transportEndpoints(config) });
    return new Gateway(node, api, listener, policy, extensions);
  }

  get port(): number {
    return this.listener.port;
  }

  get host(): string {
    const address = this.config.http_server.address;
    return address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
  }

  get config(): RealtimeConfig {
    return this.node.config;
  }

  get baseUrl(): string {
    return `http://${this.host}:${this.port}`;
  }

  get webSocketUrl(): string {
    return `ws://${this.host}:${this.port}${this.config.websocket.handler_prefix}`;
  }

  get apiUrl(): string {
    return `${this.baseUrl}${this.config.http_api.handler_prefix}`;
  }

  /** Graceful stop: refuse new connections, close clients with 3001, wait for them (bounded), stop. */
  async close(): Promise<void> {
    const closed = this.listener.close();
    await this.node.drain();
    this.listener.closeAllConnections();
    await closed;
    for (const extension of this.extensions) await extension.stop?.();
    await this.node.stop();
  }
}

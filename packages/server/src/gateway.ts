import { createTokenVerifier } from './auth/verifier.js';
import type { Broker, PresenceStore } from './broker/broker.js';
import type { ControlBus } from './broker/control.js';
import { MemoryBroker, MemoryPresence } from './broker/memory.js';
import type { RealtimeConfig } from './config/types.js';
import { createLogger, type Logger } from './log.js';
import type { ExtensionApiMethod, GatewayExtension } from './extension.js';
import { Metrics } from './metrics/metrics.js';
import { RealtimeNode } from './node.js';
import { OriginPolicy } from './policy/origin.js';
import type { RpcHandler } from './session/context.js';
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

function merged<T>(own: Record<string, T> | undefined, extensions: GatewayExtension[], pick: (e: GatewayExtension) => Record<string, T> | undefined): Map<string, T> {
  const all = new Map(Object.entries(own ?? {}));
  for (const extension of extensions) {
    for (const [name, value] of Object.entries(pick(extension) ?? {})) {
      if (all.has(name)) throw new TypeError(`${extension.name}: method "${name}" is already registered`);
      all.set(name, value);
    }
  }
  return all;
}

/** A running gateway: the node, its server and the address it listens on. */
export class Gateway {
  private constructor(
    readonly node: RealtimeNode,
    readonly listener: Listener,
    readonly policy: OriginPolicy,
    private readonly extensions: GatewayExtension[],
  ) {}

  static async start(options: GatewayOptions): Promise<Gateway> {
    const { config } = options;
    const log = options.log ?? createLogger(config.log.level);
    const extensions = options.extensions ?? [];
    const runtime = options.runtime ?? nodeRuntime;
    const node = new RealtimeNode({
      config,
      broker: options.broker ?? new MemoryBroker(),
      presence: options.presence ?? new MemoryPresence(),
      ...(options.control ? { control: options.control } : {}),
      verifier: createTokenVerifier(config.client.token, { subscriptionToken: config.client.subscription_token }),
      metrics: new Metrics(),
      log,
      transport: runtime.transport,
      rpcHandlers: merged(options.rpc, extensions, (e) => e.rpc),
      apiMethods: merged<ExtensionApiMethod>(undefined, extensions, (e) => e.api),
    });
    await node.start();
    for (const extension of extensions) await extension.start?.(node);
    const policy = new OriginPolicy(config.client.allowed_origins, config.environment);
    const listener = await runtime.listen(node, policy);
    return new Gateway(node, listener, policy, extensions);
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

  get webSocketUrl(): string {
    return `ws://${this.host}:${this.port}${this.config.websocket.handler_prefix}`;
  }

  get apiUrl(): string {
    return `http://${this.host}:${this.port}${this.config.http_api.handler_prefix}`;
  }

  /** Graceful stop: refuse new sockets, close clients with 3001, wait for them (bounded), stop. */
  async close(): Promise<void> {
    const closed = this.listener.close();
    await this.node.drain();
    this.listener.closeAllConnections();
    await closed;
    for (const extension of this.extensions) await extension.stop?.();
    await this.node.stop();
  }
}

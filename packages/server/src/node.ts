import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  DisconnectCodes,
  UnsubscribeCodes,
  encodePush,
  type ClientInfo,
  type DisconnectCode,
  type Publication,
  type StreamPosition,
} from '@renum-realtime/protocol';
import type { TokenVerifier } from './auth/verifier.js';
import type { Broker, BrokerEventHandler, PresenceStore } from './broker/broker.js';
import { LocalControl, type ControlBus } from './broker/control.js';
import { applyControlCommand, nodeInfo } from './api/methods.js';
import { Hub } from './channels/hub.js';
import { ChannelRegistry, type ChannelSpec } from './channels/namespace.js';
import type { RealtimeConfig } from './config/types.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/metrics.js';
import { RejectionLog } from './admin/rejection-log.js';
import type { ExtensionApiMethod } from './extension.js';
import type { RpcHandler, SessionContext } from './session/context.js';
import { SessionRegistry } from './session/registry.js';
import { Session } from './session/session.js';
import { sendToEach, type ClientSocket, type ConnectionMeta, type Transport } from './transport/socket.js';

export const VERSION = '0.1.0';

export interface NodeOptions {
  config: RealtimeConfig;
  broker: Broker;
  presence: PresenceStore;
  /** How server API calls reach connections on other nodes; this node only by default. */
  control?: ControlBus;
  verifier: TokenVerifier;
  metrics: Metrics;
  log: Logger;
  transport?: Transport;
  rpcHandlers?: ReadonlyMap<string, RpcHandler>;
  apiMethods?: ReadonlyMap<string, ExtensionApiMethod>;
}

/** Whose connections a server API call targets (Centrifugo's user/client/whitelist selectors). */
export interface ConnectionSelector {
  user: string;
  client?: string;
  whitelist?: string[];
}

/**
 * One gateway process: the sessions it holds, the hub that fans out to them, and the broker that
 * links it to the rest of the deployment. Runtime adapters hand it sockets; the HTTP API calls it.
 */
export class RealtimeNode implements SessionContext, BrokerEventHandler {
  readonly uid = randomUUID();
  readonly name = hostname();
  readonly startedAt = Date.now();
  readonly version = VERSION;
  readonly config: RealtimeConfig;
  readonly channels: ChannelRegistry;
  readonly broker: Broker;
  readonly presence: PresenceStore;
  readonly control: ControlBus;
  readonly hub: Hub;
  readonly verifier: TokenVerifier;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly rpcHandlers: ReadonlyMap<string, RpcHandler>;
  /** Server API methods added by extensions, beside the built-in Centrifugo ones. */
  readonly apiMethods: ReadonlyMap<string, ExtensionApiMethod>;
  readonly sessions = new SessionRegistry();
  readonly rejections = new RejectionLog();
  /** Every open socket's session, connected or not yet. */
  private readonly open = new Set<Session>();
  private sweeper: NodeJS.Timeout | undefined;
  private draining = false;

  constructor(options: NodeOptions) {
    this.config = options.config;
    this.broker = options.broker;
    this.presence = options.presence;
    this.control = options.control ?? new LocalControl();
    this.verifier = options.verifier;
    this.metrics = options.metrics;
    this.log = options.log;
    this.rpcHandlers = options.rpcHandlers ?? new Map();
    this.apiMethods = options.apiMethods ?? new Map();
    this.channels = new ChannelRegistry(options.config.channel);
    this.hub = new Hub(options.transport ?? { broadcast: sendToEach }, options.config.client.queue_max_size);
  }

  async start(): Promise<void> {
    await this.broker.start(this);
    await this.control.start({ uid: this.uid, apply: (command) => applyControlCommand(this, command), info: () => nodeInfo(this) });
    const client = this.config.client;
    // The sweep period bounds how late a ping, pong deadline or expiry is noticed.
    const period = Math.max(50, Math.min(1000, client.ping_interval / 4 || 1000, client.pong_timeout / 4 || 1000));
    this.sweeper = setInterval(() => this.sweep(), period);
    this.sweeper.unref();
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** A transport has a new socket. */
  openSession(socket: ClientSocket, meta: ConnectionMeta): Session {
    const session = new Session(socket, meta, this);
    this.open.add(session);
    return session;
  }

  /** A transport's socket closed. */
  closeSession(session: Session, code: number, reason: string): void {
    this.open.delete(session);
    session.closed(code, reason);
    this.updateGauges();
  }

  async publish(spec: ChannelSpec, publication: Publication, source: 'api' | 'client'): Promise<StreamPosition | undefined> {
    const started = performance.now();
    const { options } = spec;
    const position = await this.broker.publish(spec.name, publication, {
      size: options.history_size,
      ttl: options.history_ttl,
      metaTtl: options.history_meta_ttl,
    });
    this.metrics.publications.inc({ source });
    this.metrics.deliveryLatency.observe((performance.now() - started) / 1000);
    return position;
  }

  async join(spec: ChannelSpec, info: ClientInfo): Promise<void> {
    await this.broker.publishJoin(spec.name, info);
  }

  async leave(spec: ChannelSpec, info: ClientInfo): Promise<void> {
    await this.broker.publishLeave(spec.name, info);
  }

  onPublication(channel: string, publication: Publication): void {
    const receivers = this.hub.publish(channel, publication);
    if (receivers > 0) this.metrics.pushes.inc({ type: 'pub' }, receivers);
  }

  onJoin(channel: string, info: ClientInfo): void {
    this.hub.joinOrLeave(channel, 'join', info);
  }

  onLeave(channel: string, info: ClientInfo): void {
    this.hub.joinOrLeave(channel, 'leave', info);
  }

  /** The broker may have missed publications of the channel: subscribers resubscribe and recover. */
  onInsufficientState(channel: string): void {
    const subscribers = [...this.open].filter((s) => s.subscriptions.has(channel));
    // The SDK resubscribes (and recovers) client-side subscriptions on 2500; server-side ones
    // are restored only by a reconnect, as Centrifugo does (3010).
    const serverSide = subscribers.filter((s) => s.subscriptions.get(channel)!.serverSide);
    for (const session of serverSide) session.disconnect(DisconnectCodes.insufficientState);
    this.unsubscribeSessions(subscribers.filter((s) => !serverSide.includes(s)), channel, UnsubscribeCodes.insufficientState);
  }

  /** Connected sessions a server API call targets on this node. */
  select(selector: ConnectionSelector): Session[] {
    return this.sessions
      .forUser(selector.user)
      .filter((s) => (!selector.client || s.clientId === selector.client) && !selector.whitelist?.includes(s.clientId));
  }

  disconnect(selector: ConnectionSelector, disconnect: DisconnectCode = DisconnectCodes.forceDisconnect, reason?: string): number {
    const targets = this.select(selector);
    for (const session of targets) session.disconnect(disconnect, reason);
    return targets.length;
  }

  /** Server-side unsubscribe: the client gets an `unsubscribe` push with code 2000. */
  unsubscribe(selector: ConnectionSelector, channel: string): void {
    this.unsubscribeSessions(this.select(selector), channel, UnsubscribeCodes.serverUnsubscribe);
  }

  private unsubscribeSessions(sessions: Session[], channel: string, code: DisconnectCode): void {
    for (const session of sessions) {
      if (!session.subscriptions.has(channel)) continue;
      session.dropSubscription(channel);
      session.write(encodePush(channel, 'unsubscribe', { code: code.code, reason: code.reason }));
    }
  }

  /** Drain: no new sockets, every client told to reconnect elsewhere (3001), bounded wait. */
  async drain(timeoutMs = this.config.shutdown.timeout): Promise<void> {
    this.draining = true;
    for (const session of this.open) session.disconnect(DisconnectCodes.shutdown);
    const deadline = Date.now() + timeoutMs;
    while (this.open.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.control.close();
    await this.broker.close();
  }

  get openSocketCount(): number {
    return this.open.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const session of this.open) session.tick(now);
    this.updateGauges();
  }

  private updateGauges(): void {
    this.metrics.channels.set(this.hub.channelCount);
    this.metrics.brokerUp.set(this.broker.available?.() === false ? 0 : 1);
  }
}

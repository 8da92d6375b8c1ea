import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DisconnectCodes, UnsubscribeCodes, type DisconnectCode, type JsonValue } from '@renum-realtime/protocol';
import type { TokenVerifier } from '../auth/verifier.js';
import type { Broker, PresenceStore } from '../broker/broker.js';
import { LocalControl, NodeNotFoundError, type ControlBus, type ControlCommand, type NodeInfo } from '../broker/control.js';
import type { RealtimeConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import { VERSION } from '../version.js';
import type { Metrics } from '../metrics/metrics.js';
import { Hub } from './channels/hub.js';
import { ChannelRegistry, type ChannelSpec } from './channels/namespace.js';
import { NodeEvents } from './events.js';
import { NO_PROXIES, type EventProxies } from './proxy.js';
import type { RpcHandler, SessionContext } from './session/context.js';
import { SessionRegistry } from './session/registry.js';
import { Session } from './session/session.js';
import { subscribeChannel, type SubscribeSetup } from './session/subscribe.js';
import type { Connection, Frame, Transport } from './transport.js';

export { VERSION };

export interface NodeOptions {
  config: RealtimeConfig;
  broker: Broker;
  presence: PresenceStore;
  /** How server API calls reach connections on other nodes; this node only by default. */
  control?: ControlBus;
  verifier: TokenVerifier;
  metrics: Metrics;
  log: Logger;
  rpcHandlers?: ReadonlyMap<string, RpcHandler>;
  /** The back end's event proxies; none by default. */
  proxies?: EventProxies;
  /** Given when an edge must report into the same events before the node exists (the proxies). */
  events?: NodeEvents;
}

/** Whose connections a server API call targets (Centrifugo's user/client/whitelist selectors). */
export interface ConnectionSelector {
  user: string;
  client?: string;
  whitelist?: string[];
}

/** What a server-side refresh changes on a connection. */
export interface ConnectionUpdate {
  /** Close the connection as expired (3005) instead. */
  expired?: boolean;
  info?: JsonValue;
  /** Unix seconds; absent = never expires. */
  expireAt?: number;
}

/** Where an `/emulation` request's commands went. */
export type EmulationOutcome = 'delivered' | 'no_session' | 'no_node';

/** How long a node waits for the node that holds an emulation session to take its commands. */
const EMULATION_FORWARD_TIMEOUT_MS = 2_000;
const EMULATION_QUERY = 'emulation';

/**
 * One gateway process: the sessions it holds, the hub that fans out to them, and the broker that
 * links it to the rest of the deployment. Transports hand it connections (`accept`); the edges
 * (server API, admin, inbox) use the methods below and `events`, and never write session state.
 */
export class RealtimeNode implements SessionContext {
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
  readonly sessions = new SessionRegistry<Session>();
  readonly events: NodeEvents;
  readonly proxies: EventProxies;
  /**
   * Open connections whose session is not connected yet; connected ones are in `sessions`. Each
   * session is in one of the two, so an idle connection costs one collection entry, not two.
   */
  private readonly connecting = new Set<Session>();
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
    this.proxies = options.proxies ?? NO_PROXIES;
    this.events = options.events ?? new NodeEvents();
    this.channels = new ChannelRegistry(options.config.channel);
    this.hub = new Hub(this.broker, this.metrics, this.log, options.config.client.queue_max_size);
  }

  /** `applyControl` runs server API commands (disconnect, subscribe …) that reach this node. */
  async start(applyControl: (command: ControlCommand) => Promise<void>): Promise<void> {
    await this.broker.start(this.hub);
    this.control.respond(EMULATION_QUERY, async (params) => {
      // The control bus speaks JSON: protobuf commands travel as base64 (see `emulate`).
      const frame = params.binary === true ? Buffer.from(String(params.data), 'base64') : String(params.data);
      return { delivered: this.deliverLocally(String(params.session), frame) };
    });
    await this.control.start({ uid: this.uid, apply: applyControl, info: () => this.info() });
    const client = this.config.client;
    // The sweep period bounds how late a ping, pong deadline or expiry is noticed.
    const period = Math.max(50, Math.min(1000, client.ping_interval / 4 || 1000, client.pong_timeout / 4 || 1000));
    this.sweeper = setInterval(() => this.sweep(), period);
    this.sweeper.unref();
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** A transport has a new connection; it reports frames and its close to what this returns. */
  accept(transport: Transport): Connection {
    const session = new Session(transport, this);
    this.connecting.add(session);
    return session;
  }

  established(session: Session): void {
    this.connecting.delete(session);
    this.sessions.add(session);
  }

  /** Called by a session once it is closed. */
  forget(session: Session): void {
    this.connecting.delete(session);
    this.sessions.delete(session);
    this.updateGauges();
  }

  /**
   * Hands the commands of an `/emulation` request to their session, on this node or, through the
   * control bus, on the node that holds it: no sticky sessions are needed in front of the nodes.
   */
  async emulate(node: string, session: string, frame: Frame): Promise<EmulationOutcome> {
    if (node === this.uid) return this.deliverLocally(session, frame) ? 'delivered' : 'no_session';
    const data = typeof frame === 'string' ? { data: frame } : { data: Buffer.from(frame).toString('base64'), binary: true };
    try {
      const answer = await this.control.ask<{ delivered?: boolean }>(node, EMULATION_QUERY, { session, ...data }, EMULATION_FORWARD_TIMEOUT_MS);
      return answer?.delivered ? 'delivered' : 'no_session';
    } catch (error) {
      if (error instanceof NodeNotFoundError) return 'no_node';
      throw error;
    }
  }

  info(): NodeInfo {
    let subs = 0;
    for (const count of this.hub.counts().values()) subs += count;
    return {
      uid: this.uid,
      name: this.name,
      version: this.version,
      num_clients: this.sessions.size,
      num_users: this.sessions.userCount,
      num_channels: this.hub.channelCount,
      num_subs: subs,
      uptime: Math.floor((Date.now() - this.startedAt) / 1000),
    };
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

  /**
   * A disconnect that reaches every node, as the server API's `disconnect` does: the same control
   * command, so each node applies it to its own connections.
   */
  async disconnectEverywhere(selector: ConnectionSelector, disconnect: DisconnectCode): Promise<void> {
    await this.control.broadcast({ method: 'disconnect', request: { ...selector, disconnect: { code: disconnect.code, reason: disconnect.reason } } });
  }

  /** Server-side unsubscribe: the client gets an `unsubscribe` push with code 2000. */
  unsubscribe(selector: ConnectionSelector, channel: string): void {
    for (const session of this.select(selector)) session.unsubscribe(channel, UnsubscribeCodes.serverUnsubscribe);
  }

  /** Server-side subscribe: the client gets a `subscribe` push, then the channel's publications. */
  async subscribe(selector: ConnectionSelector, spec: ChannelSpec, setup: Omit<SubscribeSetup, 'serverSide' | 'joinLeave'>): Promise<void> {
    for (const session of this.select(selector)) {
      if (session.subscriptions.has(spec.name)) continue;
      const { result, release } = await subscribeChannel(session, spec, { ...setup, serverSide: true, joinLeave: false });
      session.write(session.codec.push(spec.name, 'subscribe', result));
      release();
    }
  }

  /** Server-side refresh: new connection info and expiry, or an immediate close as expired. */
  refresh(selector: ConnectionSelector, update: ConnectionUpdate): void {
    for (const session of this.select(selector)) {
      if (update.expired) {
        session.disconnect(DisconnectCodes.connectionExpired);
        continue;
      }
      if (update.info !== undefined) session.connInfo = update.info;
      session.expiresAt = update.expireAt ? update.expireAt * 1000 : undefined;
    }
  }

  /** Drain: no new connections, every client told to reconnect elsewhere (3001), bounded wait. */
  async drain(timeoutMs = this.config.shutdown.timeout): Promise<void> {
    this.draining = true;
    for (const session of this.openSessions()) session.disconnect(DisconnectCodes.shutdown);
    const deadline = Date.now() + timeoutMs;
    while (this.openSocketCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.control.close();
    await this.broker.close();
  }

  get openSocketCount(): number {
    return this.connecting.size + this.sessions.size;
  }

  /** Every open connection's session, connected or not yet; closing one while iterating is safe. */
  private *openSessions(): Generator<Session> {
    yield* this.connecting;
    yield* this.sessions.all();
  }

  private deliverLocally(sessionId: string, frame: Frame): boolean {
    const session = this.sessions.bySessionId(sessionId);
    if (!session || !session.transport.emulation) return false;
    session.receive(frame);
    return true;
  }

  private sweep(): void {
    const now = Date.now();
    for (const session of this.openSessions()) session.tick(now);
    this.updateGauges();
  }

  private updateGauges(): void {
    this.metrics.channels.set(this.hub.channelCount);
    this.metrics.brokerUp.set(this.broker.available?.() === false ? 0 : 1);
  }
}

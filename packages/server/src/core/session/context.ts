import type { ClientInfo, DisconnectCode, ErrorCode, JsonValue } from '@renum-realtime/protocol';
import type { TokenVerifier } from '../../auth/verifier.js';
import type { Broker, PresenceStore } from '../../broker/broker.js';
import type { RealtimeConfig } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { Hub, HubMember } from '../channels/hub.js';
import type { ChannelRegistry } from '../channels/namespace.js';
import type { SessionCodec } from '../codec.js';
import type { NodeEvents } from '../events.js';
import type { EventProxies, ProxyCaller } from '../proxy.js';
import type { ConnectionMeta, Frame, Transport } from '../transport.js';
import type { SessionRegistry } from './registry.js';
import type { SessionSubscription, SessionSubscriptions } from './subscriptions.js';

export interface RpcCall {
  user: string;
  client: string;
  connInfo?: JsonValue;
  data: JsonValue;
}

/** Handles `client.rpc(method, data)`; the returned value is the reply's `data`. */
export type RpcHandler = (call: RpcCall) => Promise<JsonValue> | JsonValue;

/** Thrown by an RPC handler to answer with its own error code (applications use 400–1999). */
export class RpcError extends Error {
  readonly code: number;
  constructor(error: Pick<ErrorCode, 'code' | 'message'>) {
    super(error.message);
    this.code = error.code;
  }
}

/** What every session shares: the node's services. */
export interface SessionContext {
  /** The node's id: emulation requests address sessions by node and session. */
  readonly uid: string;
  readonly config: RealtimeConfig;
  readonly channels: ChannelRegistry;
  readonly broker: Broker;
  readonly presence: PresenceStore;
  readonly hub: Hub;
  readonly verifier: TokenVerifier;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly rpcHandlers: ReadonlyMap<string, RpcHandler>;
  readonly sessions: SessionRegistry;
  readonly events: NodeEvents;
  /** The application back end's say on connect, subscribe, publish, RPC and refresh. */
  readonly proxies: EventProxies;
  readonly version: string;
  /** A session is connected: the node lists it by client id and user. */
  established(session: SessionState): void;
  /** A session is closed and done: the node stops tracking it. */
  forget(session: SessionState): void;
  /** Closes a user's connections on every node (but the whitelisted clients). */
  disconnectEverywhere(selector: { user: string; whitelist?: string[] }, disconnect: DisconnectCode): Promise<void>;
}

/**
 * A session as the command handlers see it. The handlers live beside the session but depend on
 * this interface, not on the class, so the session module imports them and not the reverse.
 */
export interface SessionState extends HubMember {
  readonly ctx: SessionContext;
  readonly transport: Transport;
  readonly meta: ConnectionMeta;
  readonly codec: SessionCodec;
  readonly clientId: string;
  readonly user: string;
  /** Emulation and unidirectional transports: the id `/emulation` requests address. */
  readonly sessionId: string | undefined;
  connInfo: JsonValue | undefined;
  /** ms since epoch; undefined = the connection token never expires. */
  expiresAt: number | undefined;
  /** Set when the connect proxy authenticated the connection: expiry is then refreshed server-side. */
  proxied: { meta?: JsonValue } | undefined;
  /** Who asks, as a proxy request names it. */
  readonly caller: ProxyCaller;
  readonly subscriptions: SessionSubscriptions;
  readonly clientInfo: ClientInfo;
  subscriberInfo(sub: Pick<SessionSubscription, 'chanInfo'>): ClientInfo;
  /** Marks the session connected under this user and starts its ping schedule. */
  establish(user: string, now: number): void;
  write(frame: Frame): void;
  dropSubscription(channel: string): void;
}

export interface CommandOutcome {
  /** The encoded reply; absent for `send`, which has none. */
  reply?: Frame;
  /** Runs once the frame's replies are written, e.g. to release publications held during a subscribe. */
  afterReply?: () => void;
}

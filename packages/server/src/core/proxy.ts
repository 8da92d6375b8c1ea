import type { DataPayload, JsonValue, ProtocolError } from '@renum-realtime/protocol';
import type { TokenOverride, TokenSubscription } from '../auth/verifier.js';
import type { ChannelSpec } from './channels/namespace.js';
import type { ConnectionMeta, Disconnect, TransportName, WireProtocol } from './transport.js';

/**
 * The port through which sessions ask the application back end (Centrifugo's event proxies). The
 * core decides when to ask and applies the answer; an edge adapter (`src/proxy/`) does the HTTP.
 * A proxy that fails (down, slow, 5xx, malformed) throws; the session answers a temporary error so
 * the SDK retries, and never takes a failure for an accept.
 */
export type ProxyOutcome<R> = { result: R } | { error: ProtocolError } | { disconnect: Disconnect };

/** Who is asking: what every proxy request carries. */
export interface ProxyCaller {
  client: string;
  transport: TransportName;
  /** The client protocol's encoding, which Centrifugo's proxy requests name as `protocol`. */
  protocol: WireProtocol;
  meta: ConnectionMeta;
  /** The user, once known (all events but connect). */
  user?: string;
  /** What the connect proxy returned as `meta`, for `include_connection_meta`. */
  connectionMeta?: JsonValue;
}

/** Binary data (`binary`) in answers: the base64 of the bytes the back end gave as `b64data`. */
export interface ConnectProxyResult extends DataPayload {
  user: string;
  /** Unix seconds; 0 or absent = the connection does not expire. */
  expire_at?: number;
  info?: JsonValue;
  channels?: string[];
  /** Server-side subscriptions, with the options a connection token's `subs` has. */
  subs?: Record<string, TokenSubscription>;
  meta?: JsonValue;
}

export interface RefreshProxyResult {
  expired?: boolean;
  expire_at?: number;
  info?: JsonValue;
}

export interface SubscribeProxyResult extends DataPayload {
  info?: JsonValue;
  expire_at?: number;
  override?: TokenOverride;
}

/** The data, when present, replaces the client's. */
export interface PublishProxyResult extends DataPayload {
  skip_history?: boolean;
}

export type RpcProxyResult = DataPayload;

export interface EventProxies {
  /** Present when `client.proxy.connect` is on: connects without a token go through it. */
  readonly connect?: (caller: ProxyCaller, request: DataPayload & { name?: string; version?: string }) => Promise<ProxyOutcome<ConnectProxyResult>>;
  /** Present when `client.proxy.refresh` is on: expiring connections are refreshed server-side. */
  readonly refresh?: (caller: ProxyCaller) => Promise<ProxyOutcome<RefreshProxyResult>>;
  /**
   * The namespace's proxy for the event, or undefined when it has none. In requests, binary data
   * is the base64 of a protobuf client's bytes that are not JSON; the back end gets it as `b64data`.
   */
  subscribe(spec: ChannelSpec): ((caller: ProxyCaller, request: DataPayload & { channel: string }) => Promise<ProxyOutcome<SubscribeProxyResult>>) | undefined;
  publish(spec: ChannelSpec): ((caller: ProxyCaller, request: DataPayload & { channel: string }) => Promise<ProxyOutcome<PublishProxyResult>>) | undefined;
  subRefresh(spec: ChannelSpec): ((caller: ProxyCaller, request: { channel: string }) => Promise<ProxyOutcome<RefreshProxyResult>>) | undefined;
  rpc(method: string): ((caller: ProxyCaller, request: DataPayload & { method: string }) => Promise<ProxyOutcome<RpcProxyResult>>) | undefined;
  /** Lower-cased request headers some proxy forwards: the only ones a connection keeps. */
  readonly forwardedHeaders: ReadonlySet<string>;
}

/** No back end to ask: every event is decided by tokens and namespace options alone. */
export const NO_PROXIES: EventProxies = {
  subscribe: () => undefined,
  publish: () => undefined,
  subRefresh: () => undefined,
  rpc: () => undefined,
  forwardedHeaders: new Set(),
};

import type { JsonValue, ProtocolError } from '@renum-realtime/protocol';
import type { TokenOverride } from '../auth/verifier.js';
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

export interface ConnectProxyResult {
  user: string;
  /** Unix seconds; 0 or absent = the connection does not expire. */
  expire_at?: number;
  info?: JsonValue;
  data?: JsonValue;
  channels?: string[];
  subs?: Record<string, { info?: JsonValue; data?: JsonValue; expire_at?: number; override?: TokenOverride }>;
  meta?: JsonValue;
}

export interface RefreshProxyResult {
  expired?: boolean;
  expire_at?: number;
  info?: JsonValue;
}

export interface SubscribeProxyResult {
  info?: JsonValue;
  data?: JsonValue;
  expire_at?: number;
  override?: TokenOverride;
}

export interface PublishProxyResult {
  /** Replaces the client's data when present. */
  data?: JsonValue;
  skip_history?: boolean;
}

export interface RpcProxyResult {
  data?: JsonValue;
  /** `data` is the base64 of the bytes the back end answered with `b64data`. */
  binary?: boolean;
}

export interface EventProxies {
  /** Present when `client.proxy.connect` is on: connects without a token go through it. */
  readonly connect?: (caller: ProxyCaller, request: { name?: string; version?: string; data?: JsonValue; channels?: string[] }) => Promise<ProxyOutcome<ConnectProxyResult>>;
  /** Present when `client.proxy.refresh` is on: expiring connections are refreshed server-side. */
  readonly refresh?: (caller: ProxyCaller) => Promise<ProxyOutcome<RefreshProxyResult>>;
  /** The namespace's proxy for the event, or undefined when it has none. */
  subscribe(spec: ChannelSpec): ((caller: ProxyCaller, request: { channel: string; token?: string; data?: JsonValue }) => Promise<ProxyOutcome<SubscribeProxyResult>>) | undefined;
  /** `binary`: `data` is the base64 of bytes that are not JSON; the back end gets it as `b64data`. */
  publish(spec: ChannelSpec): ((caller: ProxyCaller, request: { channel: string; data: JsonValue; binary?: boolean }) => Promise<ProxyOutcome<PublishProxyResult>>) | undefined;
  subRefresh(spec: ChannelSpec): ((caller: ProxyCaller, request: { channel: string }) => Promise<ProxyOutcome<RefreshProxyResult>>) | undefined;
  /** `binary`: `data` is the base64 of a protobuf client's bytes, sent as `b64data`. */
  rpc(method: string): ((caller: ProxyCaller, request: { method: string; data?: JsonValue; binary?: boolean }) => Promise<ProxyOutcome<RpcProxyResult>>) | undefined;
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

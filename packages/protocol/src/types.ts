/**
 * Wire shapes of the Centrifugo client protocol v2, JSON flavour. Field names follow
 * centrifugal/protocol `client.proto`; `data`, `info` and friends are arbitrary JSON values.
 */

export type JsonValue = unknown;

export interface ClientInfo {
  user: string;
  client: string;
  conn_info?: JsonValue;
  chan_info?: JsonValue;
}

export interface Publication {
  data: JsonValue;
  info?: ClientInfo;
  offset?: number;
  tags?: Record<string, string>;
  /** Fossil delta subscribers only: `data` is a patch against the previous publication (see delta.ts). */
  delta?: boolean;
  /** `data` is the base64 of binary bytes, not a JSON value (see binary.ts). */
  binary?: boolean;
}

export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface ProtocolError {
  code: number;
  message: string;
  temporary?: boolean;
}

export interface ConnectRequest {
  token?: string;
  data?: JsonValue;
  /** `data` is the base64 of a protobuf client's bytes that are not JSON (binary.ts); only the connect proxy takes them. */
  binary?: boolean;
  subs?: Record<string, { recover?: boolean; offset?: number; epoch?: string }>;
  name?: string;
  version?: string;
  headers?: Record<string, string>;
}

export interface SubscribeRequest {
  channel: string;
  token?: string;
  recover?: boolean;
  epoch?: string;
  offset?: number;
  data?: JsonValue;
  /** As for connect: only the subscribe proxy takes bytes. */
  binary?: boolean;
  positioned?: boolean;
  recoverable?: boolean;
  join_leave?: boolean;
  flag?: number;
  /** The delta compression the client asks for: `"fossil"` is the only one (Centrifugo v6). */
  delta?: string;
}

export interface SubscribeResult {
  expires?: boolean;
  ttl?: number;
  recoverable?: boolean;
  positioned?: boolean;
  epoch?: string;
  offset?: number;
  publications?: Publication[];
  recovered?: boolean;
  was_recovering?: boolean;
  data?: JsonValue;
  /** `data` is the base64 of bytes a back end or a token gave as `b64data` (binary.ts). */
  binary?: boolean;
  /** True when the subscription's publications come as fossil deltas (negotiated). */
  delta?: boolean;
  /** Channel compaction (negotiated): the channel's pushes carry this id in place of its name. */
  id?: number;
}

export interface ConnectResult {
  client: string;
  version: string;
  expires?: boolean;
  ttl?: number;
  data?: JsonValue;
  /** As for SubscribeResult. */
  binary?: boolean;
  subs?: Record<string, SubscribeResult>;
  ping?: number;
  pong?: boolean;
  /** Emulation and unidirectional transports: the id `/emulation` requests address. */
  session?: string;
  /** Emulation: the node holding the session. */
  node?: string;
}

export interface HistoryRequest {
  channel: string;
  limit?: number;
  since?: StreamPosition;
  reverse?: boolean;
}

export interface HistoryResult {
  publications: Publication[];
  epoch: string;
  offset: number;
}

export interface PresenceResult {
  presence: Record<string, ClientInfo>;
}

export interface PresenceStatsResult {
  num_clients: number;
  num_users: number;
}

/** One request type per method key of a command. */
export interface CommandRequests {
  connect: ConnectRequest;
  subscribe: SubscribeRequest;
  unsubscribe: { channel: string };
  /** `binary`: `data` is the base64 of bytes that are not JSON (a protobuf client's, see binary.ts). */
  publish: { channel: string; data: JsonValue; binary?: boolean };
  presence: { channel: string };
  presence_stats: { channel: string };
  history: HistoryRequest;
  /** `binary` as for publish. */
  send: { data: JsonValue; binary?: boolean };
  /** `binary` as for publish; the gateway's own RPC handlers take JSON only. */
  rpc: { method?: string; data?: JsonValue; binary?: boolean };
  refresh: { token: string };
  sub_refresh: { channel: string; token: string };
}

export type CommandMethod = keyof CommandRequests;

export type Command = {
  [M in CommandMethod]: { id: number; method: M; request: CommandRequests[M] };
}[CommandMethod];

/** What a frame may hold besides commands: the client's answer to a ping. */
export type ClientMessage = Command | { method: 'pong' };

export interface CommandResults {
  connect: ConnectResult;
  subscribe: SubscribeResult;
  unsubscribe: Record<string, never>;
  publish: Record<string, never>;
  presence: PresenceResult;
  presence_stats: PresenceStatsResult;
  history: HistoryResult;
  /** `binary`: `data` is the base64 of the bytes an RPC proxy answered with `b64data` (binary.ts). */
  rpc: { data?: JsonValue; binary?: boolean };
  refresh: { client?: string; version?: string; expires: boolean; ttl?: number };
  sub_refresh: { expires: boolean; ttl?: number };
}

export type ReplyMethod = keyof CommandResults;

/**
 * Where a push goes: its channel, or the channel's compacted id for a subscription that
 * negotiated channel compaction (the subscribe result's `id`); undefined for the connection's own.
 */
export type PushAddress = string | number | undefined;

/** Pushes: server-initiated messages, one kind per push. */
export interface PushBodies {
  pub: Publication;
  join: { info: ClientInfo };
  leave: { info: ClientInfo };
  unsubscribe: { code: number; reason: string };
  subscribe: SubscribeResult;
  message: { data: JsonValue };
  refresh: { expires: boolean; ttl?: number };
  /** Unidirectional transports: the connect result, sent as the first push. */
  connect: ConnectResult;
  /** Transports without a close code of their own (HTTP streaming, SSE) carry the close as a push. */
  disconnect: { code: number; reason: string; reconnect?: boolean };
}

export type PushKind = keyof PushBodies;

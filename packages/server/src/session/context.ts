import type { ClientInfo, ErrorCode, JsonValue, Publication, StreamPosition } from '@renum-realtime/protocol';
import type { TokenVerifier } from '../auth/verifier.js';
import type { Broker, PresenceStore } from '../broker/broker.js';
import type { Hub } from '../channels/hub.js';
import type { ChannelRegistry, ChannelSpec } from '../channels/namespace.js';
import type { RealtimeConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RejectionLog } from '../admin/rejection-log.js';
import type { SessionRegistry } from './registry.js';

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
  /** Recent refusals and abnormal closes, for the admin rejections view. */
  readonly rejections: RejectionLog;
  readonly version: string;
  publish(spec: ChannelSpec, publication: Publication, source: 'api' | 'client'): Promise<StreamPosition | undefined>;
  join(spec: ChannelSpec, info: ClientInfo): Promise<void>;
  leave(spec: ChannelSpec, info: ClientInfo): Promise<void>;
}

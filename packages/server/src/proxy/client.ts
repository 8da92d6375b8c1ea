import { isBase64, type DataPayload, type JsonValue } from '@renum-realtime/protocol';
import type { ConnectionMeta, NodeEvents, ProxyOutcome } from '../core/index.js';
import type { ProxyConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';

/** Why a proxy did not answer; its name is the metric's `outcome` label, a fixed set. */
export type ProxyFailureKind = 'timeout' | 'unreachable' | 'http_status' | 'malformed' | 'overloaded';

export class ProxyFailure extends Error {
  constructor(
    readonly kind: ProxyFailureKind,
    message: string,
  ) {
    super(message);
  }
}

export type ProxyEvent = 'connect' | 'refresh' | 'subscribe' | 'publish' | 'sub_refresh' | 'rpc';

export interface ProxyServices {
  log: Logger;
  metrics: Metrics;
  events: NodeEvents;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A response must hold exactly what Centrifugo's does: a result object, an error or a disconnect. */
function parseOutcome(text: string): ProxyOutcome<Record<string, unknown>> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ProxyFailure('malformed', 'response is not JSON');
  }
  if (!isObject(body)) throw new ProxyFailure('malformed', 'response is not a JSON object');
  const { error, disconnect, result } = body;
  if (isObject(error) && typeof error.code === 'number' && Number.isInteger(error.code) && error.code >= 0) {
    return { error: { code: error.code, message: typeof error.message === 'string' ? error.message : '', ...(error.temporary === true ? { temporary: true } : {}) } };
  }
  if (isObject(disconnect) && typeof disconnect.code === 'number' && disconnect.code >= 3000 && disconnect.code <= 4999) {
    return { disconnect: { code: disconnect.code, reason: typeof disconnect.reason === 'string' ? disconnect.reason : '' } };
  }
  if (result === undefined || result === null) return { result: {} };
  if (!isObject(result)) throw new ProxyFailure('malformed', 'result is not an object');
  return { result };
}

/**
 * One configured proxy endpoint: POSTs the event as JSON with the allowed request headers, bounded
 * in time and in requests in flight, and turns every way it can fail into a ProxyFailure that is
 * logged with the proxy's name, counted by outcome and shown in the admin rejections view.
 */
export class ProxyClient {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly name: string,
    private readonly event: ProxyEvent,
    private readonly config: ProxyConfig & { endpoint: string },
    private readonly services: ProxyServices,
  ) {}

  /** How payloads travel, as Centrifugo's proxy requests name it: `binary` with `binary_encoding`. */
  get encoding(): 'json' | 'binary' {
    return this.config.binary_encoding ? 'binary' : 'json';
  }

  /** Payloads go as raw JSON, or as base64 of their JSON text with `binary_encoding`. */
  payload(field: 'data' | 'meta', value: JsonValue | undefined): Record<string, unknown> {
    if (value === undefined) return {};
    if (field === 'data' && this.config.binary_encoding) return { b64data: Buffer.from(JSON.stringify(value)).toString('base64') };
    return { [field]: value };
  }

  /** The back end's `b64info` arrives as base64 of JSON text; `info` as JSON. */
  static decoded(result: Record<string, unknown>, field: 'info'): JsonValue | undefined {
    const b64 = result[`b64${field}`];
    if (typeof b64 === 'string' && b64 !== '') {
      try {
        return JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
      } catch {
        throw new ProxyFailure('malformed', `b64${field} is not base64 of JSON`);
      }
    }
    return result[field] as JsonValue | undefined;
  }

  /**
   * An answer's data, where Centrifugo's `b64data` is bytes: kept as binary data (the protocol's
   * binary.ts), so a protobuf client gets them exactly and a JSON client gets JSON text as JSON,
   * other bytes as base64. Without `b64data`, `data` is JSON.
   */
  static bytesOrJson(result: Record<string, unknown>): DataPayload {
    const b64 = result.b64data;
    if (typeof b64 === 'string' && b64 !== '') {
      if (!isBase64(b64)) throw new ProxyFailure('malformed', 'b64data is not standard base64');
      return { data: b64, binary: true };
    }
    return result.data === undefined ? {} : { data: result.data as JsonValue };
  }

  /** Asks the back end; `decode` reads its result, and a result it cannot read fails like a bad answer (logged, counted). */
  async call<R>(meta: ConnectionMeta, body: Record<string, unknown>, decode: (result: Record<string, unknown>) => R): Promise<ProxyOutcome<R>> {
    const { metrics } = this.services;
    const started = performance.now();
    try {
      await this.slot();
      const outcome = await this.send(meta, body);
      const decoded = 'result' in outcome ? { result: decode(outcome.result) } : outcome;
      metrics.proxyRequests.inc({ proxy: this.name, event: this.event, outcome: 'result' in decoded ? 'ok' : 'error' in decoded ? 'error' : 'disconnect' });
      return decoded;
    } catch (error) {
      const failure = error instanceof ProxyFailure ? error : new ProxyFailure('unreachable', (error as Error).message);
      this.report(failure, meta);
      throw failure;
    } finally {
      metrics.proxyDuration.observe({ proxy: this.name, event: this.event }, (performance.now() - started) / 1000);
    }
  }

  private async send(meta: ConnectionMeta, body: Record<string, unknown>): Promise<ProxyOutcome<Record<string, unknown>>> {
    try {
      let response: Response;
      try {
        response = await fetch(this.config.endpoint, {
          method: 'POST',
          headers: this.headers(meta),
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.config.timeout),
        });
      } catch (error) {
        const name = (error as Error).name;
        if (name === 'TimeoutError' || name === 'AbortError') throw new ProxyFailure('timeout', `no answer within ${this.config.timeout} ms`);
        const cause = (error as Error & { cause?: { code?: string } }).cause;
        throw new ProxyFailure('unreachable', cause?.code ?? (error as Error).message);
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new ProxyFailure('http_status', `answered HTTP ${response.status}`);
      }
      return parseOutcome(await response.text());
    } finally {
      this.release();
    }
  }

  private headers(meta: ConnectionMeta): Record<string, string> {
    const headers: Record<string, string> = { ...this.config.http.static_headers, 'Content-Type': 'application/json' };
    for (const name of this.config.http_headers) {
      const value = meta.headers?.[name.toLowerCase()];
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return headers;
  }

  /** Waits for a free slot; past a queue as long as the limit, fails at once instead. */
  private slot(): Promise<void> {
    const limit = Math.max(1, this.config.max_concurrency);
    if (this.inFlight < limit) {
      this.inFlight++;
      return Promise.resolve();
    }
    if (this.waiting.length >= limit) return Promise.reject(new ProxyFailure('overloaded', `${limit} requests in flight and ${limit} waiting`));
    return new Promise((resolve) => this.waiting.push(() => resolve()));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }

  private report(failure: ProxyFailure, meta: ConnectionMeta): void {
    const { log, metrics, events } = this.services;
    metrics.proxyRequests.inc({ proxy: this.name, event: this.event, outcome: failure.kind });
    log.warn({ event: 'proxy_failed', proxy: this.name, proxy_event: this.event, reason: failure.kind, detail: failure.message }, 'event proxy failed; the client gets a temporary error');
    events.rejected({ kind: 'proxy', reason: `${this.event}_proxy_${failure.kind}`, origin: meta.origin, remoteAddress: meta.remoteAddress, detail: `${this.name}: ${failure.message}` });
  }
}

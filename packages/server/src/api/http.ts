import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiErrorCodes, nestsDeeperThan, type ApiErrorCode } from '@renum-realtime/protocol';
import { ApiError } from './errors.js';
import { errorBody, type ServerApi } from './methods.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function presentedKey(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const auth = req.headers.authorization;
  return auth?.match(/^apikey\s+(.+)$/i)?.[1];
}

/** Wrong keys a source may send in a minute before it gets 429 until the minute is over. */
const FAILURES_PER_MINUTE = 10;

/**
 * Wrong API keys per client address, in a one-minute window: guessing keys is throttled, a
 * correct key from another address is never held back by someone else's failures.
 */
export class KeyGuessThrottle {
  private readonly failures = new Map<string, { count: number; until: number }>();

  /** Seconds the source must wait, or 0. */
  retryAfter(source: string, now: number): number {
    const entry = this.failures.get(source);
    if (!entry || now >= entry.until) return 0;
    return entry.count >= FAILURES_PER_MINUTE ? Math.ceil((entry.until - now) / 1000) : 0;
  }

  failed(source: string, now: number): void {
    const entry = this.failures.get(source);
    if (!entry || now >= entry.until) this.failures.set(source, { count: 1, until: now + 60_000 });
    else entry.count += 1;
    if (this.failures.size > 10_000) for (const [key, value] of this.failures) if (now >= value.until) this.failures.delete(key);
  }
}

function keyMatches(expected: string, presented: string | undefined): boolean {
  if (!presented || expected === '') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(ApiErrorCodes.payloadTooLarge, `limit is ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `POST <prefix>/<method>`: Centrifugo v6 server API. Domain errors answer 200 with
 * `{"error":{...}}` unless the caller asks for transport error mode; malformed requests get a
 * 4xx status and a JSON error body either way.
 */
export async function handleApiRequest(api: ServerApi, throttle: KeyGuessThrottle, source: string, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { config, log, metrics } = api.node;
  const method = url.pathname.slice(config.http_api.handler_prefix.length + 1);
  const transportErrors = (req.headers['x-centrifugo-error-mode'] ?? '').toString().toLowerCase() === 'transport';
  const fail = (error: ApiErrorCode, detail: string, forceStatus: boolean): void => {
    const status = forceStatus || transportErrors ? error.status : 200;
    metrics.apiRequests.inc({ method: api.has(method) ? method : 'unknown', status });
    log.warn({ event: 'api_error', method, code: error.code, status, detail }, 'api request failed');
    const body = { code: error.code, message: `${error.message}: ${detail}` };
    sendJson(res, status, transportErrors ? body : { error: body });
  };

  if (!api.has(method)) return fail(ApiErrorCodes.notFound, `no API method "${method.slice(0, 64)}"`, true);
  if (req.method !== 'POST') return fail(ApiErrorCodes.methodNotAllowed, 'use POST', true);
  if (!config.http_api.insecure) {
    const now = Date.now();
    const wait = throttle.retryAfter(source, now);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      return fail(ApiErrorCodes.tooManyRequests, `too many wrong API keys from ${source}; retry in ${wait} s`, true);
    }
    const inQuery = url.searchParams.get('api_key') ?? undefined;
    if (inQuery !== undefined && !config.http_api.allow_key_in_query) {
      return fail(ApiErrorCodes.unauthorized, 'the API key in the query string is refused: it ends up in access logs. Send it in X-API-Key (or set http_api.allow_key_in_query)', true);
    }
    if (!keyMatches(config.http_api.key, presentedKey(req) ?? inQuery)) {
      throttle.failed(source, now);
      return fail(ApiErrorCodes.unauthorized, 'missing or wrong API key (X-API-Key header or Authorization: apikey <key>)', true);
    }
  }
  let body: unknown;
  try {
    const text = await readBody(req);
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    if (error instanceof ApiError) return fail(error.error, error.detail ?? '', true);
    return fail(ApiErrorCodes.badRequest, 'body is not valid JSON', true);
  }
  // The body object is one level; what it carries must fit client.json_max_depth like client payloads.
  if (nestsDeeperThan(body, config.client.json_max_depth + 2)) {
    return fail(ApiErrorCodes.badRequest, `JSON nested deeper than ${config.client.json_max_depth} levels (client.json_max_depth)`, true);
  }
  try {
    const result = await api.call(method, body);
    metrics.apiRequests.inc({ method, status: 200 });
    sendJson(res, 200, { result });
  } catch (error) {
    if (error instanceof ApiError) return fail(error.error, error.detail ?? error.error.message, false);
    log.error({ err: error, method }, 'api method failed');
    const internal = errorBody(error);
    metrics.apiRequests.inc({ method, status: 500 });
    sendJson(res, transportErrors ? 500 : 200, transportErrors ? internal : { error: internal });
  }
}

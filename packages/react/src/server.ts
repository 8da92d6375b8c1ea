/**
 * `@renum-realtime/react/server`: what Server Components, route handlers and server actions
 * need, with no React and no client code: connection and subscription tokens (HS256 over Web
 * Crypto, so it runs on Node and on edge runtimes alike) and the gateway's server API (publish,
 * history, notification send, disconnect) over fetch.
 */
import type { NotificationPage } from './core/notifications.js';

export { ClientOnlyError } from './errors.js';
export type { NotificationPage };

export interface TokenClaims {
  /** `sub`, the user id; "" for an anonymous connection. */
  user: string;
  /** Lifetime in seconds from now (`exp`). */
  ttlSeconds: number;
  /** Server-side subscriptions of a connection token. */
  channels?: string[];
  /** Attached to the connection, shown in presence. */
  info?: unknown;
}

const base64url = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const encodeJson = (value: unknown): string => base64url(new TextEncoder().encode(JSON.stringify(value)));

async function signHs256(secret: string, payload: Record<string, unknown>): Promise<string> {
  if (!secret) throw new TypeError('@renum-realtime/react/server: the token secret must not be empty (the gateway\'s client.token.hmac_secret_key)');
  const input = `${encodeJson({ alg: 'HS256', typ: 'JWT' })}.${encodeJson(payload)}`;
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(input)));
  return `${input}.${base64url(signature)}`;
}

function claims(input: TokenClaims): Record<string, unknown> {
  if (!Number.isFinite(input.ttlSeconds) || input.ttlSeconds <= 0) throw new TypeError('@renum-realtime/react/server: ttlSeconds must be a positive number');
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: input.user,
    iat: now,
    exp: now + Math.floor(input.ttlSeconds),
    ...(input.channels ? { channels: input.channels } : {}),
    ...(input.info !== undefined ? { info: input.info } : {}),
  };
}

/** A connection token the gateway accepts with `client.token.hmac_secret_key` = `secret`. */
export function mintConnectionToken(secret: string, input: TokenClaims): Promise<string> {
  return signHs256(secret, claims(input));
}

/** A subscription token for `channel` (needed for private `$` channels); pass it from a route the hook's `getToken` calls. */
export function mintSubscriptionToken(secret: string, input: Omit<TokenClaims, 'channels'> & { channel: string }): Promise<string> {
  return signHs256(secret, { ...claims(input), channel: input.channel });
}

/**
 * A failed server API call. `code` is the gateway's API error code (102 unknown channel, 108 not
 * available, …) when it answered with one; otherwise `unreachable` (no answer) or `http` (an
 * answer that is not the API's JSON, e.g. a proxy's 502), with the HTTP `status`.
 */
export class ServerApiError extends Error {
  override readonly name = 'ServerApiError';
  constructor(
    readonly method: string,
    readonly code: number | 'unreachable' | 'http',
    readonly status: number | null,
    message: string,
  ) {
    super(`${method}: ${message}`);
  }
}

export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface HistoryPublication<T = unknown> {
  data: T;
  offset: number;
  info?: unknown;
  tags?: Record<string, string>;
}

export interface History<T = unknown> extends StreamPosition {
  publications: HistoryPublication<T>[];
}

export interface NotificationInput {
  type: string;
  title: string;
  body?: string;
  data?: unknown;
  action?: string;
  /** Seconds until it expires. */
  ttl?: number;
}

export interface ServerApiOptions {
  /** The server API base, e.g. `https://rt.example.com/api` (REALTIME_API_URL). */
  url: string;
  /** `http_api.key` (REALTIME_API_KEY); sent as X-API-Key. */
  key: string;
  /** For tests or custom agents; the global fetch by default. */
  fetch?: typeof fetch;
}

export interface ServerApi {
  /** Any server API method, for those without a helper below. */
  call<T = unknown>(method: string, body: unknown): Promise<T>;
  publish(channel: string, data: unknown): Promise<StreamPosition>;
  /** The channel's history and its current stream position: render it, and hand the position to `useChannelState`. */
  history<T = unknown>(channel: string, options?: { limit?: number; since?: StreamPosition; reverse?: boolean }): Promise<History<T>>;
  notificationSend(user: string, notification: NotificationInput): Promise<{ id: string }>;
  /** A page of the user's inbox (dismissed ones included; the client hides them). */
  notificationList(user: string, options?: { limit?: number; cursor?: string }): Promise<NotificationPage>;
  disconnect(user: string, disconnect?: { code: number; reason: string }): Promise<void>;
}

/** The gateway's server API from server code (never ship the key to a browser). */
export function createServerApi(options: ServerApiOptions): ServerApi {
  if (!options.url || !options.key) throw new TypeError('@renum-realtime/react/server: createServerApi needs url (REALTIME_API_URL) and key (REALTIME_API_KEY)');
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  async function call<T>(method: string, body: unknown): Promise<T> {
    let response: Response;
    try {
      response = await doFetch(`${base}/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-API-Key': options.key },
        body: JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (error) {
      throw new ServerApiError(method, 'unreachable', null, `the gateway at ${base} did not answer (${(error as Error).message})`);
    }
    const json = (await response.json().catch(() => null)) as { result?: T; error?: { code: number; message: string } } | null;
    if (json?.error) throw new ServerApiError(method, json.error.code, response.status, `${json.error.message} (code ${json.error.code})`);
    if (!json || !response.ok) throw new ServerApiError(method, 'http', response.status, `HTTP ${response.status} without an API reply`);
    return json.result as T;
  }
  return {
    call,
    publish: (channel, data) => call('publish', { channel, data }),
    history: (channel, { limit = -1, since, reverse } = {}) => call('history', { channel, limit, ...(since ? { since } : {}), ...(reverse ? { reverse } : {}) }),
    notificationSend: (user, notification) => call('notification_send', { user, ...notification }),
    notificationList: (user, { limit = 50, cursor } = {}) => call('notification_list', { user, limit, ...(cursor ? { cursor } : {}) }),
    disconnect: async (user, disconnect) => {
      await call('disconnect', { user, ...(disconnect ? { disconnect } : {}) });
    },
  };
}

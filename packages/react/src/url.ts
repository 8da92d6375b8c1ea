/**
 * The one place the gateway URL of the app is decided. The old front end mixed up
 * `NEXT_PUBLIC_WS_URL` and `NEXT_PUBLIC_WEBSOCKET_URL` and fell back to `ws://localhost` in
 * production; here a bad value stops the build (or the first render) with the fix spelled out.
 * React-free, so `next.config.mjs` can call it at build time (`@renum-realtime/react/url`).
 */

export const WEBSOCKET_URL_VARIABLE = 'NEXT_PUBLIC_WEBSOCKET_URL';
/** The gateway's base URL, from which every transport's endpoint is derived (see `realtimeEndpoints`). */
export const REALTIME_URL_VARIABLE = 'NEXT_PUBLIC_REALTIME_URL';

export type WebSocketUrlProblem = 'missing' | 'invalid' | 'not_websocket' | 'mixed_content' | 'localhost_in_production';

export class WebSocketUrlError extends Error {
  override readonly name = 'WebSocketUrlError';
  constructor(
    readonly code: WebSocketUrlProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface ResolveWebSocketUrlOptions {
  /** `location.protocol` of the page (`https:`), when known; absent at build time. */
  pageProtocol?: string;
  /** `production` refuses loopback hosts: a production bundle must not point at the user's own machine. */
  environment?: 'development' | 'test' | 'production' | (string & {});
  /** Names the variable in the messages; defaults to NEXT_PUBLIC_WEBSOCKET_URL (NEXT_PUBLIC_REALTIME_URL for resolveRealtimeUrl). */
  variable?: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost');
}

interface UrlRules {
  variable: string;
  /** Accepted schemes, secure one first per pair: `['wss:', 'ws:']`. */
  schemes: readonly string[];
  /** Plain-text schemes a https:// page may not use. */
  insecure: readonly string[];
  example: string;
  development: string;
  schemeWords: string;
}

function resolve(value: string | undefined | null, rules: UrlRules, options: ResolveWebSocketUrlOptions): string {
  const { variable, example } = rules;
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') {
    throw new WebSocketUrlError(
      'missing',
      `${variable} is not set. Set it in .env.development (${rules.development}) or in the build environment (${example}); ` +
        'NEXT_PUBLIC_* values are baked in at build time, so rebuild after changing it.',
    );
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new WebSocketUrlError('invalid', `${variable}="${trimmed}" is not an absolute URL. Use a full ${rules.schemeWords} URL (${example}).`);
  }
  if (!rules.schemes.includes(url.protocol)) {
    throw new WebSocketUrlError('not_websocket', `${variable}="${trimmed}" uses ${url.protocol}// but must start with ${rules.schemeWords} (${example}).`);
  }
  if (rules.insecure.includes(url.protocol) && options.pageProtocol === 'https:') {
    const secure = url.protocol === 'ws:' ? 'wss://' : 'https://';
    throw new WebSocketUrlError(
      'mixed_content',
      `${variable}="${trimmed}" is ${url.protocol}// but the page is served over https://; browsers block that as mixed content. ` +
        `Use ${secure} (${example}) behind TLS.`,
    );
  }
  if (options.environment === 'production' && isLoopback(url.hostname)) {
    throw new WebSocketUrlError(
      'localhost_in_production',
      `${variable}="${trimmed}" points at ${url.hostname} in a production build, which is each user's own machine. ` +
        `Set it to the public gateway address (${example}) and rebuild.`,
    );
  }
  return url.toString();
}

/** Returns the WebSocket URL to connect to, or throws a WebSocketUrlError that names the variable and the fix. */
export function resolveWebSocketUrl(value: string | undefined | null, options: ResolveWebSocketUrlOptions = {}): string {
  return resolve(
    value,
    {
      variable: options.variable ?? WEBSOCKET_URL_VARIABLE,
      schemes: ['wss:', 'ws:'],
      insecure: ['ws:'],
      example: 'e.g. wss://api.example.com/ws',
      development: 'ws://localhost:8000/ws',
      schemeWords: 'ws:// or wss://',
    },
    options,
  );
}

/**
 * Returns the gateway's base URL (`https://rt.example.com`; a ws(s):// WebSocket URL is accepted
 * too), or throws a WebSocketUrlError naming NEXT_PUBLIC_REALTIME_URL and the fix. The provider
 * derives the WebSocket, HTTP-streaming and SSE endpoints from it.
 */
export function resolveRealtimeUrl(value: string | undefined | null, options: ResolveWebSocketUrlOptions = {}): string {
  return resolve(
    value,
    {
      variable: options.variable ?? REALTIME_URL_VARIABLE,
      schemes: ['https:', 'http:', 'wss:', 'ws:'],
      insecure: ['http:', 'ws:'],
      example: 'e.g. https://rt.example.com',
      development: 'http://localhost:8000',
      schemeWords: 'https:// or http:// (or wss:// / ws://)',
    },
    options,
  );
}

/**
 * NEXT_PUBLIC_REALTIME_URL when set, else NEXT_PUBLIC_WEBSOCKET_URL (with its own checks and
 * messages, as before). Each value is passed in literally, since Next.js inlines
 * `process.env.NEXT_PUBLIC_*` only where it is written out.
 */
export function resolveGatewayUrl(values: { realtimeUrl?: string | null; webSocketUrl?: string | null }, options: Omit<ResolveWebSocketUrlOptions, 'variable'> = {}): string {
  return values.realtimeUrl?.trim() ? resolveRealtimeUrl(values.realtimeUrl, options) : resolveWebSocketUrl(values.webSocketUrl, options);
}

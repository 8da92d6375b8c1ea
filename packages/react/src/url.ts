/**
 * The one place the WebSocket URL of the app is decided. The old front end mixed up
 * `NEXT_PUBLIC_WS_URL` and `NEXT_PUBLIC_WEBSOCKET_URL` and fell back to `ws://localhost` in
 * production; here a bad value stops the build (or the first render) with the fix spelled out.
 * React-free, so `next.config.mjs` can call it at build time (`@renum-realtime/react/url`).
 */

export const WEBSOCKET_URL_VARIABLE = 'NEXT_PUBLIC_WEBSOCKET_URL';

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
  /** Names the variable in the messages; defaults to NEXT_PUBLIC_WEBSOCKET_URL. */
  variable?: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost');
}

/** Returns the URL to connect to, or throws a WebSocketUrlError that names the variable and the fix. */
export function resolveWebSocketUrl(value: string | undefined | null, options: ResolveWebSocketUrlOptions = {}): string {
  const variable = options.variable ?? WEBSOCKET_URL_VARIABLE;
  const example = 'e.g. wss://api.example.com/ws';
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') {
    throw new WebSocketUrlError(
      'missing',
      `${variable} is not set. Set it in .env.development (ws://localhost:8000/ws) or in the build environment (${example}); ` +
        'NEXT_PUBLIC_* values are baked in at build time, so rebuild after changing it.',
    );
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new WebSocketUrlError('invalid', `${variable}="${trimmed}" is not an absolute URL. Use a full ws:// or wss:// URL (${example}).`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new WebSocketUrlError(
      'not_websocket',
      `${variable}="${trimmed}" uses ${url.protocol}// but must start with ws:// or wss:// (${example}).`,
    );
  }
  if (url.protocol === 'ws:' && options.pageProtocol === 'https:') {
    throw new WebSocketUrlError(
      'mixed_content',
      `${variable}="${trimmed}" is ws:// but the page is served over https://; browsers block that as mixed content. ` +
        `Use wss:// (${example}) behind TLS.`,
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

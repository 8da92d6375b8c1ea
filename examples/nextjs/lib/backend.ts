/**
 * The back end this build talks to, from NEXT_PUBLIC_REALTIME_BACKEND (checked by next.config.mjs):
 * `publisher` (default) — examples/publisher, with connection tokens from /api/realtime-token;
 * `fastapi` — examples/fastapi, with its session cookie, the gateway's connect, subscribe and RPC proxies.
 */
export const REALTIME_BACKEND: 'publisher' | 'fastapi' = process.env.NEXT_PUBLIC_REALTIME_BACKEND === 'fastapi' ? 'fastapi' : 'publisher';

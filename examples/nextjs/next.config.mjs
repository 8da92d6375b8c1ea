import { PHASE_PRODUCTION_BUILD } from 'next/constants.js';
import { resolveGatewayUrl } from '@renum-realtime/react/url';

const BACKENDS = ['publisher', 'fastapi'];

/**
 * NEXT_PUBLIC_REALTIME_BACKEND picks the back end the page talks to (lib/backend.ts): a typo
 * stops `next dev` and `next build` here instead of quietly running the publisher mode.
 */
function realtimeBackend() {
  const backend = process.env.NEXT_PUBLIC_REALTIME_BACKEND || 'publisher';
  if (!BACKENDS.includes(backend)) {
    throw new Error(`NEXT_PUBLIC_REALTIME_BACKEND is "${backend}": set ${BACKENDS.join(' or ')} (npm run dev:fastapi sets fastapi)`);
  }
  return backend;
}

function fastApiUrl() {
  const value = process.env.FASTAPI_URL || 'http://127.0.0.1:8001';
  if (!URL.canParse(value)) throw new Error(`FASTAPI_URL is "${value}": set the FastAPI back end's base URL, e.g. http://127.0.0.1:8001`);
  return value.replace(/\/$/, '');
}

/**
 * In FastAPI mode the page reaches the back end through its own origin, so the session cookie
 * FastAPI sets is first-party, and is sent on the WebSocket upgrade to the gateway on the same
 * host (cookies are per host, not per port), where the connect proxy reads it. Only the routes
 * the browser needs are passed on: the proxy endpoints (`/centrifugo/*`) and the webhook
 * receiver are for the gateway alone.
 */
function fastApiRoutes() {
  const backend = fastApiUrl();
  return {
    rewrites: async () => [
      { source: '/backend/:route(login|logout|me)', destination: `${backend}/:route` },
      { source: '/backend/runs/:id', destination: `${backend}/runs/:id` },
    ],
    // The run-finished notification links to /runs/<id>, the back end's name for the run page.
    redirects: async () => [{ source: '/runs/:id', destination: '/executions/:id', permanent: false }],
  };
}

/**
 * `next build` evaluates this file first: a missing or unusable NEXT_PUBLIC_REALTIME_URL (or, when
 * that is unset, NEXT_PUBLIC_WEBSOCKET_URL) stops the build here with a message that names it,
 * instead of shipping a bundle that fails (or silently points at localhost) in a user's browser.
 */
export default function nextConfig(phase) {
  if (phase === PHASE_PRODUCTION_BUILD) {
    resolveGatewayUrl(
      { realtimeUrl: process.env.NEXT_PUBLIC_REALTIME_URL, webSocketUrl: process.env.NEXT_PUBLIC_WEBSOCKET_URL },
      { environment: process.env.NEXT_PUBLIC_APP_ENV ?? 'production' },
    );
  }
  return {
    // Lets concurrent builds (a test run next to `next dev`) use their own output folder.
    distDir: process.env.NEXT_DIST_DIR ?? '.next',
    reactStrictMode: true,
    poweredByHeader: false,
    // Type checking is `tsc -p examples/nextjs` (TypeScript 7 has no JS API for Next's built-in check).
    typescript: { ignoreBuildErrors: true },
    ...(realtimeBackend() === 'fastapi' ? fastApiRoutes() : {}),
  };
}

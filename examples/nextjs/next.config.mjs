import { PHASE_PRODUCTION_BUILD } from 'next/constants.js';
import { resolveGatewayUrl } from '@renum-realtime/react/url';

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
  };
}

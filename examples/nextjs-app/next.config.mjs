import { PHASE_PRODUCTION_BUILD } from 'next/constants.js';
import { resolveRealtimeUrl } from '@renum-realtime/react/url';

/**
 * `next build` evaluates this file first: a missing or unusable NEXT_PUBLIC_REALTIME_URL stops the
 * build here, naming the variable and the fix, instead of shipping a bundle that cannot connect.
 */
export default function nextConfig(phase) {
  if (phase === PHASE_PRODUCTION_BUILD) {
    resolveRealtimeUrl(process.env.NEXT_PUBLIC_REALTIME_URL, { environment: process.env.NEXT_PUBLIC_APP_ENV ?? 'production' });
  }
  return {
    // Lets concurrent builds (a test run next to `next dev`) use their own output folder.
    distDir: process.env.NEXT_DIST_DIR ?? '.next',
    reactStrictMode: true,
    poweredByHeader: false,
    // Type checking is `tsc -p examples/nextjs-app` (TypeScript 7 has no JS API for Next's built-in check).
    typescript: { ignoreBuildErrors: true },
  };
}

import type { Environment } from '../config/types.js';

export interface OriginDecision {
  allowed: boolean;
  /** The allowed_origins entry that matched. */
  rule?: string;
  reason: string;
}

interface CompiledRule {
  pattern: string;
  regex: RegExp;
}

/** `*` matches any run of characters, dots included, as in Centrifugo (gobwas/glob). */
export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** A pattern that lets any host in: `*`, `https://*`, `*://*`, `https://*.*` … */
export function isMatchAllPattern(pattern: string): boolean {
  const regex = globToRegExp(pattern.toLowerCase());
  return ['https://evil.example', 'http://evil.example', 'https://a.b.c.evil.example:8443'].some((probe) => regex.test(probe))
    && regex.test('https://another-unrelated-host.test');
}

export function isInsecureOrigin(pattern: string): boolean {
  return pattern.toLowerCase().startsWith('http://');
}

/**
 * Which browser origins may open a WebSocket or call the API. Browsers send `Origin` on every
 * WebSocket upgrade and do not apply CORS to it, so the server must decide at the upgrade.
 */
export class OriginPolicy {
  private readonly rules: CompiledRule[];

  constructor(
    patterns: readonly string[],
    private readonly profile: Environment,
  ) {
    this.rules = patterns.map((pattern) => ({ pattern, regex: globToRegExp(pattern.toLowerCase()) }));
  }

  check(origin: string | undefined): OriginDecision {
    if (!origin) return { allowed: true, reason: 'no Origin header (non-browser client)' };
    const normalized = origin.toLowerCase();
    for (const rule of this.rules) {
      // `null` (sandboxed iframes, file://) only passes when listed literally, never through a glob.
      if (normalized === 'null' ? rule.pattern === 'null' : rule.regex.test(normalized)) {
        return { allowed: true, rule: rule.pattern, reason: `origin "${origin}" matches "${rule.pattern}" (${this.profile} profile)` };
      }
    }
    return { allowed: false, reason: `origin "${origin}" is not in client.allowed_origins (${this.profile} profile)` };
  }
}

const DEFAULT_ALLOWED_HEADERS = 'Content-Type, Authorization, X-API-Key';

/** CORS answer for an allowed origin, or null when the policy denies it. */
export function corsHeaders(policy: OriginPolicy, origin: string, requestHeaders?: string | string[]): Record<string, string> | null {
  if (!policy.check(origin).allowed) return null;
  const headers = Array.isArray(requestHeaders) ? requestHeaders.join(', ') : requestHeaders;
  return {
    'Access-Control-Allow-Origin': origin,
    Vary: 'Origin',
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
    'Access-Control-Allow-Headers': headers || DEFAULT_ALLOWED_HEADERS,
    'Access-Control-Max-Age': '600',
  };
}

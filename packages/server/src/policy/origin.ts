/**
 * Which browser origins may open a connection, after Centrifugo's `client.allowed_origins`
 * (internal/origin/origin.go): glob patterns (gobwas/glob: `*` matches any run of characters,
 * dots included) against the lower-cased `scheme://host[:port]`. A request without Origin comes
 * from a non-browser client and is always allowed; origin checks only protect browsers.
 */

export interface OriginDecision {
  allowed: boolean;
  /** The allowed_origins pattern that matched. */
  rule?: string;
  reason: string;
}

interface CompiledPattern {
  pattern: string;
  regex: RegExp;
}

/** What a browser sends (RFC 6454 §6.2): no path, query, userinfo; the port, if any, digits. */
const ORIGIN_SHAPE = /^[a-z][a-z0-9+.-]*:\/\/(?:\[[0-9a-f:.]+\]|[^\s/?#@:[\]]+)(?::\d{1,5})?$/;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `*` matches any run of characters, dots included (gobwas/glob); case is kept. */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
}

const compileOriginPattern = (pattern: string) => globToRegExp(pattern.toLowerCase());

export class OriginPolicy {
  readonly patterns: readonly string[];
  readonly profile: string;
  readonly #compiled: readonly CompiledPattern[];

  constructor(patterns: readonly string[], profile: string) {
    this.patterns = Object.freeze([...patterns]);
    this.profile = profile;
    this.#compiled = patterns.map((pattern) => ({ pattern, regex: compileOriginPattern(pattern) }));
  }

  check(origin: string | undefined): OriginDecision {
    if (origin === undefined || origin === '') return { allowed: true, reason: 'no Origin header (non-browser client)' };
    const lower = origin.toLowerCase();
    // Sandboxed iframes and file:// pages all share "null"; a wildcard must not let them in.
    const match =
      lower === 'null'
        ? this.#compiled.find((c) => c.pattern.toLowerCase() === 'null')
        : ORIGIN_SHAPE.test(lower)
          ? this.#compiled.find((c) => c.regex.test(lower))
          : undefined;
    if (match) return { allowed: true, rule: match.pattern, reason: `matches ${match.pattern}` };
    return { allowed: false, reason: `origin ${JSON.stringify(origin)} is not in client.allowed_origins (${this.profile} profile)` };
  }
}

/** Splits at `://`; without one, a leading `*` may stand for the scheme and the separator. */
function hostPart(pattern: string): string | undefined {
  const separator = pattern.indexOf('://');
  if (separator >= 0) return pattern.slice(separator + 3);
  const star = pattern.indexOf('*');
  return star < 0 ? undefined : pattern.slice(star + 1);
}

/** True when the host part has no literal text: `*`, `https://*`, `*://*`, `https://*.*:443`. */
export function isMatchAllPattern(pattern: string): boolean {
  const p = pattern.trim().toLowerCase();
  if (!p.includes('*')) return false;
  const host = hostPart(p);
  return host !== undefined && /^[*.]*$/.test(host.replace(/:(\d+|\*)$/, ''));
}

/** True when the pattern can match an `http://` origin: `http://x`, `*://x`, `*.example.com`. */
export function isInsecureOrigin(pattern: string): boolean {
  const p = pattern.trim().toLowerCase();
  const separator = p.indexOf('://');
  if (separator >= 0) return compileOriginPattern(p.slice(0, separator)).test('http');
  const star = p.indexOf('*');
  return star >= 0 && 'http://'.startsWith(p.slice(0, star));
}

const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;
const DEFAULT_ALLOWED_HEADERS = 'Content-Type, Authorization, X-API-Key';

/** CORS response headers for an allowed browser origin; null when there is nothing to allow. */
export function corsHeaders(
  policy: OriginPolicy,
  requestOrigin: string | undefined,
  requestHeaders?: string | readonly string[],
): Record<string, string> | null {
  if (!requestOrigin || !policy.check(requestOrigin).allowed) return null;
  const requested = (typeof requestHeaders === 'string' ? requestHeaders : (requestHeaders ?? []).join(', ')).trim();
  // Echo only a well-formed token list; anything else gets the fixed list.
  const allowHeaders = HEADER_LIST.test(requested) ? requested : DEFAULT_ALLOWED_HEADERS;
  return {
    'Access-Control-Allow-Origin': requestOrigin,
    Vary: 'Origin',
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
    'Access-Control-Allow-Headers': allowHeaders,
    'Access-Control-Max-Age': '600',
  };
}

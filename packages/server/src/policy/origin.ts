import { domainToASCII } from 'node:url';

/**
 * Which browser origins may open a connection, after Centrifugo's `client.allowed_origins`
 * (internal/origin/origin.go), with stricter wildcards: patterns are matched against the parsed
 * origin — scheme, host and port each on their own — and `*` in a host stands for one DNS label
 * (`https://renum-*.vercel.app` allows `renum-pr-1.vercel.app`, never `renum-a.b.vercel.app`).
 * Hosts are lower-cased and IDNA-normalised (RFC 5890 A-labels) on both sides before matching.
 * A request without Origin comes from a non-browser client and is always allowed; origin checks
 * only protect browsers.
 */

export interface OriginDecision {
  allowed: boolean;
  /** The allowed_origins pattern that matched. */
  rule?: string;
  reason: string;
}

interface ParsedOrigin {
  scheme: string;
  host: string;
  /** '' when the origin names no port. */
  port: string;
}

interface CompiledPattern {
  pattern: string;
  matches(origin: ParsedOrigin): boolean;
}

/** What a browser sends (RFC 6454 §6.2): no path, query, userinfo; the port, if any, digits. */
const ORIGIN_SHAPE = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[^\s/?#@:[\]]+)(?::(\d{1,5}))?$/;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `*` matches any run of characters, dots included (gobwas/glob); case is kept. For channel names. */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
}

/** A bracketed IPv6 literal stays as it is; a name becomes its IDNA A-label form, or '' if it has none. */
function normalHost(host: string): string {
  if (host.startsWith('[')) return host;
  // The wildcard is not a label character: stand a placeholder in for it through the IDNA mapping.
  return domainToASCII(host.replaceAll('*', 'wildcard-label')).replaceAll('wildcard-label', '*');
}

function parseOrigin(origin: string): ParsedOrigin | undefined {
  const match = ORIGIN_SHAPE.exec(origin.toLowerCase());
  if (!match) return undefined;
  const host = normalHost(match[2]!);
  return host === '' ? undefined : { scheme: match[1]!, host, port: match[3] ?? '' };
}

/** One part of a pattern: `*` stands for `wildcard` (a run of allowed characters), the rest is literal. */
function part(text: string, wildcard: string): RegExp {
  return new RegExp(`^${text.split('*').map(escapeRegex).join(wildcard)}$`);
}

const NEVER: CompiledPattern['matches'] = () => false;

/**
 * `scheme://host[:port]`, each part with its own wildcard (scheme characters, one host label,
 * digits); `*` alone allows every origin; without `://` the pattern is a host for any scheme.
 */
function compileOriginPattern(pattern: string): CompiledPattern['matches'] {
  const lower = pattern.trim().toLowerCase();
  if (lower === '*') return () => true;
  const separator = lower.indexOf('://');
  const scheme = separator >= 0 ? lower.slice(0, separator) : '*';
  const authority = separator >= 0 ? lower.slice(separator + 3) : lower;
  const shape = /^(\[[0-9a-f:.]+\]|[^:/]+)(?::(\d{1,5}|\*))?$/.exec(authority);
  if (!shape) return NEVER;
  const host = normalHost(shape[1]!);
  if (host === '') return NEVER;
  const schemeRe = part(scheme, '[a-z0-9+.-]*');
  const hostRe = part(host, '[^.]+');
  const port = shape[2];
  return (origin) => schemeRe.test(origin.scheme) && hostRe.test(origin.host) && (port === undefined ? origin.port === '' : port === '*' ? origin.port !== '' : origin.port === port);
}

export class OriginPolicy {
  readonly patterns: readonly string[];
  readonly profile: string;
  readonly #compiled: readonly CompiledPattern[];

  constructor(patterns: readonly string[], profile: string) {
    this.patterns = Object.freeze([...patterns]);
    this.profile = profile;
    this.#compiled = patterns.map((pattern) => ({ pattern, matches: compileOriginPattern(pattern) }));
  }

  check(origin: string | undefined): OriginDecision {
    if (origin === undefined || origin === '') return { allowed: true, reason: 'no Origin header (non-browser client)' };
    // Sandboxed iframes and file:// pages all share "null"; a wildcard must not let them in.
    let match: CompiledPattern | undefined;
    if (origin.toLowerCase() === 'null') match = this.#compiled.find((c) => c.pattern.toLowerCase() === 'null');
    else {
      const parsed = parseOrigin(origin);
      match = parsed && this.#compiled.find((c) => c.matches(parsed));
    }
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
  if (separator >= 0) return part(p.slice(0, separator), '[a-z0-9+.-]*').test('http');
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

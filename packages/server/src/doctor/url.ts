import { isIP } from 'node:net';
import { failure, type StepOutcome } from './types.js';

const DEFAULT_PATH = '/ws';

/** Loopback, private (RFC 1918 / RFC 4193), link-local and `.local`/`localhost` names. */
export function isLocalHost(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost') || name.endsWith('.local')) return true;
  if (isIP(name) === 4) {
    const [a, b] = name.split('.').map(Number) as [number, number];
    return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (isIP(name) === 6) return name === '::1' || name === '::' || /^f[cd]/.test(name) || name.startsWith('fe80:');
  return false;
}

export function defaultPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'wss:' ? 443 : 80;
}

/** Step 1: what a browser would do with this URL before any packet leaves. */
export function checkUrl(text: string, origin: string | undefined): { url?: URL; outcome: StepOutcome } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { outcome: failure('url_invalid', `"${text}" is not an absolute URL`, 'Use wss://host[:port]/ws (ws:// only for local development).') };
  }
  const warnings: string[] = [];
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    warnings.push(`${url.protocol} URL: browsers turn it into ${url.protocol === 'https:' ? 'wss' : 'ws'}://, older ones throw SyntaxError; write the ws(s):// form`);
    url = new URL(text.replace(/^http/i, 'ws'));
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    return { outcome: failure('url_scheme', `scheme "${url.protocol}" is not ws: or wss:`, 'Use wss://host/ws.') };
  }
  const details = [`scheme ${url.protocol.slice(0, -1)}, host ${url.hostname}, port ${defaultPort(url)}, path ${url.pathname}${url.search ? ' (with query)' : ''}`];
  if (url.pathname === '/' || url.pathname === '') warnings.push(`no path: the gateway serves ${DEFAULT_PATH} unless websocket.handler_prefix says otherwise`);
  if (url.searchParams.has('token')) warnings.push('a token in the query string ends up in proxy and access logs; the SDK sends it in the connect command');

  const problems: Array<[problem: string, cause: string, fix: string]> = [];
  if (origin) {
    let page: URL;
    try {
      page = new URL(origin);
    } catch {
      return { url, outcome: failure('origin_invalid', `--origin "${origin}" is not a URL`, 'Pass the page origin, e.g. --origin https://app.example.com') };
    }
    details.push(`page origin ${page.origin}`);
    if (page.protocol === 'https:' && url.protocol === 'ws:') {
      problems.push([
        'mixed_content',
        'an https:// page may not open a ws:// socket (mixed content): the browser blocks it before connecting',
        `Serve the gateway over TLS and use wss://${url.host}${url.pathname} (e.g. behind nginx with a certificate).`,
      ]);
    }
    if (!isLocalHost(page.hostname) && isLocalHost(url.hostname)) {
      problems.push([
        'url_not_public',
        `${url.hostname} is a local or private address, but the page is served from ${page.hostname}: each visitor's browser would connect to its own machine or network`,
        'Put the public wss:// address of the gateway in the build-time variable (NEXT_PUBLIC_...) and remove localhost fallbacks; rebuild, since NEXT_PUBLIC_* values are inlined at build time.',
      ]);
    }
  } else if (isLocalHost(url.hostname)) {
    warnings.push(`${url.hostname} is local/private: fine for development, wrong as the URL a deployed page uses`);
  }
  if (problems.length > 0) {
    const [[problem, cause, fix], ...rest] = problems as [[string, string, string], ...Array<[string, string, string]>];
    return { url, outcome: failure(problem, cause, fix, [...details, ...rest.map(([, c, f]) => `also: ${c}; fix: ${f}`)]) };
  }
  return { url, outcome: { details, warnings } };
}

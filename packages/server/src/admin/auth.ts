import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'renum_admin';
export const CSRF_HEADER = 'x-csrf-token';
const SESSION_TTL_MS = 12 * 60 * 60_000;

export interface AdminSession {
  id: string;
  /** ms since epoch */
  expiresAt: number;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/**
 * Stateless admin sessions: the cookie holds `id.expiry.signature`, signed with `admin.secret`
 * (HMAC-SHA256), so any node with the same secret accepts it. The CSRF token is derived from the
 * session id with the same key: the page gets it from the login or session call and sends it back
 * in a header, which a cross-site form or script cannot do.
 */
export class AdminAuth {
  constructor(
    private readonly password: string,
    private readonly secret: string,
  ) {}

  /** Compares digests, not the strings, so the time taken does not depend on the length. */
  passwordMatches(presented: unknown): boolean {
    if (typeof presented !== 'string' || presented === '') return false;
    return equal(this.mac(`password.${presented}`), this.mac(`password.${this.password}`));
  }

  issue(now = Date.now()): { cookie: string; session: AdminSession } {
    const session = { id: randomBytes(16).toString('base64url'), expiresAt: now + SESSION_TTL_MS };
    const body = `${session.id}.${session.expiresAt}`;
    return { cookie: `${body}.${this.mac(`session.${body}`)}`, session };
  }

  verify(cookie: string | undefined, now = Date.now()): AdminSession | undefined {
    const [id, expiry, signature, ...extra] = (cookie ?? '').split('.');
    if (!id || !expiry || !signature || extra.length > 0) return undefined;
    if (!equal(signature, this.mac(`session.${id}.${expiry}`))) return undefined;
    const expiresAt = Number(expiry);
    return expiresAt > now ? { id, expiresAt } : undefined;
  }

  csrfToken(session: AdminSession): string {
    return this.mac(`csrf.${session.id}`);
  }

  csrfMatches(session: AdminSession, presented: unknown): boolean {
    return typeof presented === 'string' && equal(presented, this.csrfToken(session));
  }

  private mac(text: string): string {
    return createHmac('sha256', this.secret).update(text).digest('base64url');
  }
}

export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

import type { NextApiRequest } from 'next';

/**
 * The demo's "sign-in": a `demo_user` cookie (default alice). A real app reads its own session
 * here. Revoked users live in process memory (and `DEMO_REVOKED_USERS`), enough to show a refusal.
 */
export const DEMO_USER_COOKIE = 'demo_user';
const USER = /^[a-z0-9_-]{1,32}$/;

/** The demo user named by the cookie's value (App Router: `cookies().get(DEMO_USER_COOKIE)?.value`). */
export function userFromCookie(value: string | undefined): string {
  return value && USER.test(value) ? value : 'alice';
}

export function signedInUser(request: NextApiRequest): string {
  return userFromCookie(request.cookies[DEMO_USER_COOKIE]);
}

export function isValidUser(user: unknown): user is string {
  return typeof user === 'string' && USER.test(user);
}

const globalRevoked = globalThis as typeof globalThis & { __demoRevokedUsers?: Set<string> };

export function revokedUsers(): Set<string> {
  globalRevoked.__demoRevokedUsers ??= new Set((process.env.DEMO_REVOKED_USERS ?? '').split(',').filter(Boolean));
  return globalRevoked.__demoRevokedUsers;
}

export function serverEnv(name: 'REALTIME_TOKEN_SECRET' | 'REALTIME_API_URL' | 'REALTIME_API_KEY' | 'PUBLISHER_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set on the Next.js server (see examples/nextjs/.env.production.example)`);
  return value;
}

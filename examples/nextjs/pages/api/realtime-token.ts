import { mintConnectionToken } from '@renum-realtime/react/server';
import type { NextApiRequest, NextApiResponse } from 'next';
import { revokedUsers, serverEnv, signedInUser } from '../../lib/session';

/**
 * Signs a short-lived HS256 connection token for the signed-in user. The secret stays on the
 * server; the browser only ever sees the token, and asks again when it expires.
 */
export default async function realtimeToken(request: NextApiRequest, response: NextApiResponse) {
  response.setHeader('Cache-Control', 'no-store');
  if (request.method !== 'GET') return response.status(405).json({ error: 'use GET' });
  const user = signedInUser(request);
  if (revokedUsers().has(user)) {
    console.warn(JSON.stringify({ event: 'token_refused', user, reason: 'revoked' }));
    return response.status(403).json({ error: 'access revoked' });
  }
  let secret: string;
  try {
    secret = serverEnv('REALTIME_TOKEN_SECRET');
  } catch (error) {
    console.error((error as Error).message);
    return response.status(500).json({ error: 'token signing is not configured' });
  }
  const ttlSeconds = Number(process.env.REALTIME_TOKEN_TTL_SECONDS ?? 300);
  const expiresAt = Math.floor(Date.now() / 1000) + ttlSeconds;
  const token = await mintConnectionToken(secret, { user, ttlSeconds });
  return response.status(200).json({ token, user, expires_at: expiresAt });
}

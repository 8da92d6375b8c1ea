import { mintConnectionToken } from '@renum-realtime/react/server';
import { revokedUsers, serverEnv } from '../../../../nextjs/lib/session';
import { currentUser } from '../../../lib/server';

export const dynamic = 'force-dynamic';

/** Mints a short-lived connection token for the signed-in user; the secret stays in this function. */
export async function GET() {
  const headers = { 'Cache-Control': 'no-store' };
  const user = await currentUser();
  if (revokedUsers().has(user)) {
    console.warn(JSON.stringify({ event: 'token_refused', user, reason: 'revoked' }));
    return Response.json({ error: 'access revoked' }, { status: 403, headers });
  }
  let secret: string;
  try {
    secret = serverEnv('REALTIME_TOKEN_SECRET');
  } catch (error) {
    console.error((error as Error).message);
    return Response.json({ error: 'token signing is not configured' }, { status: 500, headers });
  }
  const ttlSeconds = Number(process.env.REALTIME_TOKEN_TTL_SECONDS ?? 300);
  const token = await mintConnectionToken(secret, { user, ttlSeconds });
  return Response.json({ token, user, expires_at: Math.floor(Date.now() / 1000) + ttlSeconds }, { headers });
}

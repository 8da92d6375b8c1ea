import type { NextApiRequest, NextApiResponse } from 'next';
import { isValidUser, revokedUsers, serverEnv } from '../../../lib/session';

/**
 * What an admin action does in a real back end: stop issuing tokens to the user, then close their
 * open connections with a terminal code (3503 "force disconnect") so the client does not reconnect.
 */
export default async function revoke(request: NextApiRequest, response: NextApiResponse) {
  if (request.method !== 'POST') return response.status(405).json({ error: 'use POST' });
  const { user } = (request.body ?? {}) as { user?: unknown };
  if (!isValidUser(user)) return response.status(400).json({ error: 'user must match [a-z0-9_-]{1,32}' });
  revokedUsers().add(user);
  try {
    const reply = await fetch(`${serverEnv('REALTIME_API_URL')}/disconnect`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-API-Key': serverEnv('REALTIME_API_KEY') },
      body: JSON.stringify({ user, disconnect: { code: 3503, reason: 'access revoked' } }),
    });
    const body = (await reply.json()) as { error?: { code: number; message: string } };
    if (body.error) throw new Error(`gateway disconnect: ${body.error.message} (code ${body.error.code})`);
  } catch (error) {
    console.error(JSON.stringify({ event: 'revoke_disconnect_failed', user, error: (error as Error).message }));
    return response.status(502).json({ error: 'revoked, but open connections could not be closed', revoked: user });
  }
  return response.status(200).json({ revoked: user });
}

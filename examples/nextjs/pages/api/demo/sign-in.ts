import type { NextApiRequest, NextApiResponse } from 'next';
import { DEMO_USER_COOKIE, isValidUser } from '../../../lib/session';

/** `/api/demo/sign-in?user=bob&next=/executions/1`: switches the demo user (no password: it is a demo). */
export default function signIn(request: NextApiRequest, response: NextApiResponse) {
  const { user, next } = request.query;
  if (!isValidUser(user)) return response.status(400).json({ error: 'user must match [a-z0-9_-]{1,32}' });
  const target = typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/';
  response.setHeader('Set-Cookie', `${DEMO_USER_COOKIE}=${user}; Path=/; SameSite=Lax`);
  return response.redirect(303, target);
}

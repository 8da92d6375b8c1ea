import { createHmac } from 'node:crypto';

const base64url = (value) => Buffer.from(value).toString('base64url');
const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** An HS256 connection token (`sub` = user), the way a back end mints them for the gateway. */
export function mintToken(secret, user, ttlSeconds = 3600) {
  const body = base64url(JSON.stringify({ sub: user, exp: Math.floor(Date.now() / 1000) + ttlSeconds }));
  const signature = createHmac('sha256', secret).update(`${HEADER}.${body}`).digest('base64url');
  return `${HEADER}.${body}.${signature}`;
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import { GATEWAY_SECRET } from './peers.mjs';

/**
 * The least any server speaking the client protocol does to answer a hello frame (connect, and
 * subscribe for a subscriber): parse the commands, check the token when `verify` (HS256 with
 * node:crypto, expiry), and answer each. No session, channel or limit state. Returns the reply
 * text and whether the client subscribed, or `refused` when the token does not hold.
 */
export function answerHello(text, { verify, clientId }) {
  const replies = [];
  let subscribed = false;
  for (const line of text.split('\n')) {
    const command = JSON.parse(line);
    if (command.connect) {
      if (verify && verifiedUser(command.connect.token) === undefined) return { refused: true };
      replies.push(JSON.stringify({ id: command.id, connect: { client: clientId, version: '0.0.0', ping: 25, pong: true } }));
    } else if (command.subscribe) {
      subscribed = true;
      replies.push(JSON.stringify({ id: command.id, subscribe: {} }));
    }
  }
  return { reply: replies.join('\n'), subscribed };
}

/** The token's user, or undefined when its HS256 signature or expiry does not hold. */
function verifiedUser(token) {
  const [header, body, signature] = String(token).split('.');
  if (!signature) return undefined;
  const expected = createHmac('sha256', GATEWAY_SECRET).update(`${header}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
  return claims.exp > Date.now() / 1000 ? claims.sub : undefined;
}

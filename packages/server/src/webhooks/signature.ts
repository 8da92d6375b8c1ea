import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, spec §"Signature scheme"): the
 * secret is `whsec_` + base64 key bytes; the signature is `v1,` + base64 HMAC-SHA256 of
 * `${id}.${timestamp}.${body}`, with the timestamp in Unix seconds.
 */

const PREFIX = 'whsec_';

export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(PREFIX)) throw new TypeError('webhooks.secret: must start with whsec_');
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  if (key.length < 16) throw new TypeError('webhooks.secret: the key after whsec_ must be at least 16 bytes of base64');
  return key;
}

export function sign(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function webhookHeaders(key: Buffer, id: string, timestamp: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(key, id, timestamp, body),
  };
}

/** A receiver's check: one of the space-separated `v1,` signatures matches, within the tolerance. */
export function verify(key: Buffer, headers: { id: string; timestamp: string; signature: string }, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(key, headers.id, timestamp, body));
  return headers.signature.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

import { isObject } from './claims.js';
import { TokenError } from './errors.js';

/** A compact JWS (RFC 7515 §7.1) split once, its header parsed; the signature is not checked yet. */
export interface CompactJws {
  readonly header: { readonly alg: string; readonly kid: string | undefined; readonly [name: string]: unknown };
  /** `header.payload`: what the signature covers (RFC 7515 §5.2). */
  readonly signingInput: string;
  readonly payload: string;
  readonly signature: string;
}

/** Base64url with the trailing `=` omitted (RFC 7515 §2). */
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const malformed = (detail: string, cause?: unknown) => new TokenError('token_malformed', { detail, cause });


function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(Buffer.from(segment, 'base64url')));
  } catch (cause) {
    throw malformed(`${what} is not base64url JSON`, cause);
  }
  // A header and a claims set are JSON objects (RFC 7515 §4, RFC 7519 §7.2).
  if (!isObject(value)) throw malformed(`${what} is not a JSON object`);
  return value;
}

export function parseCompactJws(token: string): CompactJws {
  if (token === '') throw new TokenError('token_missing');
  // The connect command is JSON: guard against a number or object where the token belongs.
  if (typeof token !== 'string') throw malformed('token is not a string');
  const parts = token.split('.');
  if (parts.length !== 3) throw malformed('not a compact JWS');
  const [encodedHeader, payload, signature] = parts as [string, string, string];
  if (!BASE64URL.test(encodedHeader) || !BASE64URL.test(payload) || !BASE64URL.test(signature)) throw malformed('a segment is not base64url');
  const header = decodeJsonObject(encodedHeader, 'header');
  const { alg, kid } = header;
  if (typeof alg !== 'string' || alg === '') throw malformed('alg header missing');
  if (kid !== undefined && typeof kid !== 'string') throw malformed('kid header not a string');
  return { header: { ...header, alg, kid }, signingInput: token.slice(0, encodedHeader.length + 1 + payload.length), payload, signature };
}

/**
 * RFC 7515 §4.1.11: a `crit` extension the verifier does not understand fails the token. The only
 * one jose knows is `b64` (RFC 7797), and a JWT must keep its payload encoded (b64 true).
 */
export function checkCriticalHeader(header: CompactJws['header']): void {
  const { crit } = header;
  if (crit === undefined) return;
  if (!Array.isArray(crit) || crit.length !== 1 || crit[0] !== 'b64' || header.b64 !== true) {
    throw malformed(`crit header ${JSON.stringify(crit)} not supported`);
  }
}

/** The claims set of a verified JWS: a JSON object (RFC 7519 §7.2 step 10). */
export function decodeClaims(jws: CompactJws): Record<string, unknown> {
  return decodeJsonObject(jws.payload, 'claims set');
}

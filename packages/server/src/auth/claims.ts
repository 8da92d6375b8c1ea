import type { JWTPayload } from 'jose';
import { isBase64 } from '@renum-realtime/protocol';
import { TokenError } from './errors.js';

/** Channel option overrides a token may carry (Centrifugo `override`), flattened to booleans. */
export interface TokenOverride {
  presence?: boolean;
  join_leave?: boolean;
  force_push_join_leave?: boolean;
  force_recovery?: boolean;
  force_positioning?: boolean;
}

export interface TokenSubscription {
  info?: unknown;
  data?: unknown;
  /** `data` is the base64 of the claim's `b64data` bytes, given to clients as bytes (the protocol's binary.ts). */
  binary?: boolean;
  override?: TokenOverride;
}

export interface ConnectionClaims {
  /** "" for an anonymous user. */
  user: string;
  /** Unix seconds; absent when the connection never expires. */
  expiresAt?: number;
  info?: unknown;
  /** Server-side subscriptions. */
  channels: string[];
  subs: Record<string, TokenSubscription>;
}

export interface SubscriptionClaims extends TokenSubscription {
  channel: string;
  user: string;
  client?: string;
  /** Unix seconds; absent when the subscription never expires. */
  expiresAt?: number;
}

const OVERRIDE_KEYS = ['presence', 'join_leave', 'force_push_join_leave', 'force_recovery', 'force_positioning'] as const;

function invalid(message: string): TokenError {
  return new TokenError('bad_claims', { message: `invalid claims: ${message}` });
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `b64info` carries bytes (protobuf clients); JSON clients get them back as JSON when they are JSON. */
function decodeBase64(value: unknown, claim: string): unknown {
  if (typeof value !== 'string') throw invalid(`${claim} must be a string`);
  const bytes = Buffer.from(value, 'base64');
  // Go's StdEncoding is strict; Buffer.from silently skips bad characters.
  if (bytes.toString('base64') !== value) throw invalid(`${claim} is not base64`);
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The raw JSON claim, or its base64 twin which wins when both are present (as in Centrifugo). */
function rawOrBase64(claims: Record<string, unknown>, claim: 'info'): unknown {
  const b64 = claims[`b64${claim}`];
  return b64 !== undefined ? decodeBase64(b64, `b64${claim}`) : claims[claim];
}

/** `data`, or `b64data` kept as binary data, which wins when both are present; an empty `b64data` is none, as in Centrifugo. */
function dataClaim(claims: Record<string, unknown>, where: string): Pick<TokenSubscription, 'data' | 'binary'> {
  const b64 = claims.b64data;
  if (b64 === undefined || b64 === '') return claims.data === undefined ? {} : { data: claims.data };
  if (typeof b64 !== 'string' || !isBase64(b64)) throw invalid(`${where}b64data must be standard base64 with padding`);
  return { data: b64, binary: true };
}

/** Accepts Centrifugo's `{presence: {value: true}}` as well as a plain `{presence: true}`. */
function parseOverride(value: unknown, where: string): TokenOverride | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalid(`${where} must be an object`);
  const override: TokenOverride = {};
  for (const key of OVERRIDE_KEYS) {
    const entry = value[key];
    if (entry === undefined || entry === null) continue;
    const flag = isObject(entry) ? entry.value : entry;
    if (typeof flag !== 'boolean') throw invalid(`${where}.${key} must be {"value": boolean}`);
    override[key] = flag;
  }
  return override;
}

function parseSubscription(value: Record<string, unknown>, prefix: string): TokenSubscription {
  const sub: TokenSubscription = {};
  const info = rawOrBase64(value, 'info');
  const override = parseOverride(value.override, `${prefix}override`);
  if (info !== undefined) sub.info = info;
  Object.assign(sub, dataClaim(value, prefix));
  if (override) sub.override = override;
  return sub;
}

function parseUser(claims: JWTPayload, userClaim: string): string {
  const user = claims[userClaim];
  if (user === undefined) return '';
  if (typeof user !== 'string') throw invalid(`${userClaim} must be a string`);
  return user;
}

/** `expire_at`, when present, replaces `exp` as the expiry; 0 means never (Centrifugo semantics). */
function parseExpiry(claims: JWTPayload, nowSeconds: number): number | undefined {
  const expireAt = claims.expire_at;
  if (expireAt === undefined) return claims.exp;
  if (typeof expireAt !== 'number' || !Number.isInteger(expireAt) || expireAt < 0) {
    throw invalid('expire_at must be a non-negative integer');
  }
  if (expireAt === 0) return undefined;
  if (expireAt <= nowSeconds) throw new TokenError('token_expired', { detail: 'expire_at is in the past' });
  return expireAt;
}

function parseChannels(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((channel) => typeof channel === 'string')) throw invalid('channels must be a list of strings');
  return value;
}

/** `subs`: server-side subscriptions with their options, as connection tokens and the connect proxy give them. */
export function parseSubs(value: unknown): Record<string, TokenSubscription> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw invalid('subs must be an object');
  // fromEntries defines own properties, so a channel named "__proto__" stays a channel.
  return Object.fromEntries(
    Object.entries(value).map(([channel, options]) => {
      if (options !== null && !isObject(options)) throw invalid(`subs.${channel} must be an object`);
      return [channel, parseSubscription(options ?? {}, `subs.${channel}.`)];
    }),
  );
}

export function connectionClaims(claims: JWTPayload, userClaim: string, nowSeconds: number): ConnectionClaims {
  // Centrifugo rejects these so that a subscription token cannot be replayed as a connection token.
  if (claims.channel !== undefined && claims.channel !== '') throw invalid('channel is not allowed in a connection token');
  const result: ConnectionClaims = {
    user: parseUser(claims, userClaim),
    channels: parseChannels(claims.channels),
    subs: parseSubs(claims.subs),
  };
  const expiresAt = parseExpiry(claims, nowSeconds);
  const info = rawOrBase64(claims, 'info');
  if (expiresAt !== undefined) result.expiresAt = expiresAt;
  if (info !== undefined) result.info = info;
  return result;
}

export function subscriptionClaims(claims: JWTPayload, userClaim: string, nowSeconds: number): SubscriptionClaims {
  const { channel, client } = claims;
  if (typeof channel !== 'string' || channel === '') throw invalid('channel is required in a subscription token');
  if (client !== undefined && typeof client !== 'string') throw invalid('client must be a string');
  const result: SubscriptionClaims = { channel, user: parseUser(claims, userClaim), ...parseSubscription(claims, '') };
  const expiresAt = parseExpiry(claims, nowSeconds);
  if (client) result.client = client;
  if (expiresAt !== undefined) result.expiresAt = expiresAt;
  return result;
}

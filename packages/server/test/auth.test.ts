import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompactSign, SignJWT, exportJWK, exportSPKI, generateKeyPair, jwtVerify, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOKEN_ERRORS, TokenError, type TokenErrorCode } from '../src/auth/errors.js';
import { mintToken } from '../src/auth/mint.js';
import { createTokenVerifier, type JwksOptions } from '../src/auth/verifier.js';
import type { TokenConfig } from '../src/config/types.js';
import { writeConfigFile } from './support/gateway.js';

// The CLI is tested against an in-memory config; cli.test.ts runs it on real config files.
// It is imported in its describe block so that the verifier tests do not depend on the config modules.

const SECRET = 'current-secret-current-secret-32b';
const OLD_SECRET = 'previous-secret-previous-secret-32';
const now = () => Math.floor(Date.now() / 1000);
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const b64 = (text: string) => Buffer.from(text).toString('base64');

function verifier(config: Partial<TokenConfig>, jwks?: JwksOptions) {
  return createTokenVerifier({ user_id_claim: 'sub', ...config }, jwks ? { jwks } : {});
}
const hmac = verifier({ hmac_secret_key: SECRET });

async function sign(key: CryptoKey | Uint8Array, alg: string, claims: JWTPayload, kid?: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
}
const hs256 = (claims: JWTPayload, secret = SECRET) => sign(new TextEncoder().encode(secret), 'HS256', claims);

async function codeOf(promise: Promise<unknown>): Promise<TokenErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TokenError);
    return (error as TokenError).code;
  }
  throw new Error('expected the token to be rejected');
}

describe('HMAC tokens', () => {
  it('verifies a minted HS256 token and returns its claims', async () => {
    const token = await mintToken(SECRET, { user: 'alice', ttlSeconds: 60, info: { name: 'Alice' }, channels: ['news:1'] });
    const { expiresAt, ...claims } = await hmac.verifyConnectionToken(token);
    expect(claims).toEqual({ user: 'alice', info: { name: 'Alice' }, channels: ['news:1'], subs: {} });
    expect(expiresAt! - now()).toBeGreaterThanOrEqual(59);
    expect(expiresAt! - now()).toBeLessThanOrEqual(60);
  });

  it('accepts the previous secret during a rotation, and nothing else', async () => {
    const rotating = verifier({ hmac_secret_key: SECRET, hmac_previous_secret_key: OLD_SECRET });
    expect((await rotating.verifyConnectionToken(await hs256({ sub: 'old' }, OLD_SECRET))).user).toBe('old');
    expect((await rotating.verifyConnectionToken(await hs256({ sub: 'new' }))).user).toBe('new');
    expect(await codeOf(rotating.verifyConnectionToken(await hs256({ sub: 'x' }, 'some-other-secret-some-other-sec')))).toBe('bad_signature');
  });

  it('rejects a token signed with another secret', async () => {
    expect(await codeOf(hmac.verifyConnectionToken(await hs256({ sub: 'mallory' }, 'wrong-secret-wrong-secret-wrong')))).toBe('bad_signature');
  });

  it('reads the user from user_id_claim and insists on a string', async () => {
    const custom = verifier({ hmac_secret_key: SECRET, user_id_claim: 'uid' });
    expect((await custom.verifyConnectionToken(await hs256({ sub: 'ignored', uid: 'u-1' }))).user).toBe('u-1');
    expect((await hmac.verifyConnectionToken(await hs256({}))).user).toBe('');
    expect(await codeOf(hmac.verifyConnectionToken(await hs256({ sub: 42 } as unknown as JWTPayload)))).toBe('bad_claims');
  });
});

describe('public keys and algorithms', () => {
  it('verifies RS256 and ES256 tokens against PEM keys', async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    const both = verifier({ rsa_public_key: await exportSPKI(rsa.publicKey), ecdsa_public_key: await exportSPKI(ec.publicKey) });
    expect((await both.verifyConnectionToken(await sign(rsa.privateKey, 'RS256', { sub: 'r' }))).user).toBe('r');
    expect((await both.verifyConnectionToken(await sign(ec.privateKey, 'ES256', { sub: 'e' }))).user).toBe('e');
    const other = await generateKeyPair('RS256');
    expect(await codeOf(both.verifyConnectionToken(await sign(other.privateKey, 'RS256', { sub: 'r' })))).toBe('bad_signature');
  });

  it('rejects alg none', async () => {
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'admin', exp: now() + 60 })}.`;
    expect(await codeOf(hmac.verifyConnectionToken(unsigned))).toBe('alg_not_allowed');
  });

  it('rejects an HS256 token signed with the RSA public key PEM as the secret', async () => {
    const { publicKey } = await generateKeyPair('RS256');
    const pem = await exportSPKI(publicKey);
    const forged = await hs256({ sub: 'admin' }, pem);
    expect(await codeOf(verifier({ rsa_public_key: pem }).verifyConnectionToken(forged))).toBe('alg_not_allowed');
    // With an HMAC secret configured too, HS256 is allowed but checked only against that secret.
    expect(await codeOf(verifier({ rsa_public_key: pem, hmac_secret_key: SECRET }).verifyConnectionToken(forged))).toBe('bad_signature');
  });

  it('allows only the ES algorithm of the configured curve', async () => {
    const ec = await generateKeyPair('ES256');
    const p384 = await generateKeyPair('ES384');
    const only256 = verifier({ ecdsa_public_key: await exportSPKI(ec.publicKey) });
    expect(await codeOf(only256.verifyConnectionToken(await sign(p384.privateKey, 'ES384', { sub: 'e' })))).toBe('alg_not_allowed');
  });

  it('reports a verifier without keys', async () => {
    expect(await codeOf(verifier({}).verifyConnectionToken(await hs256({ sub: 'a' })))).toBe('no_key_configured');
  });
});

describe('time and audience checks', () => {
  it('rejects an expired token to the second and a token not valid yet', async () => {
    expect(await codeOf(hmac.verifyConnectionToken(await hs256({ sub: 'a', exp: now() })))).toBe('token_expired');
    expect(await codeOf(hmac.verifyConnectionToken(await mintToken(SECRET, { user: 'a', ttlSeconds: -10 })))).toBe('token_expired');
    const exp = now() + 2;
    expect((await hmac.verifyConnectionToken(await hs256({ sub: 'a', exp }))).expiresAt).toBe(exp);
    expect(await codeOf(hmac.verifyConnectionToken(await hs256({ sub: 'a', nbf: now() + 30 })))).toBe('token_not_yet_valid');
  });

  it('checks aud and iss when configured', async () => {
    const strict = verifier({ hmac_secret_key: SECRET, audience: 'renum', issuer: 'https://auth.renum.com.br' });
    const good = await mintToken(SECRET, { user: 'a', audience: 'renum', issuer: 'https://auth.renum.com.br' });
    expect((await strict.verifyConnectionToken(good)).user).toBe('a');
    expect(await codeOf(strict.verifyConnectionToken(await hs256({ sub: 'a', aud: 'other', iss: 'https://auth.renum.com.br' })))).toBe('bad_audience');
    expect(await codeOf(strict.verifyConnectionToken(await hs256({ sub: 'a', iss: 'https://auth.renum.com.br' })))).toBe('bad_audience');
    expect(await codeOf(strict.verifyConnectionToken(await hs256({ sub: 'a', aud: 'renum', iss: 'https://evil' })))).toBe('bad_issuer');
  });

  it('lets expire_at set the expiry, 0 meaning never, while exp is still checked', async () => {
    const later = now() + 3600;
    expect((await hmac.verifyConnectionToken(await hs256({ sub: 'a', exp: now() + 60, expire_at: later }))).expiresAt).toBe(later);
    const never = await hmac.verifyConnectionToken(await hs256({ sub: 'a', exp: now() + 60, expire_at: 0 }));
    expect(never.expiresAt).toBeUndefined();
    expect(await codeOf(hmac.verifyConnectionToken(await hs256({ sub: 'a', expire_at: now() })))).toBe('token_expired');
    expect(await codeOf(hmac.verifyConnectionToken(await hs256({ sub: 'a', exp: now() - 1, expire_at: later })))).toBe('token_expired');
    expect(await codeOf(hmac.verifyConnectionToken(await hs256({ sub: 'a', expire_at: 'soon' })))).toBe('bad_claims');
    const sub = await hmac.verifySubscriptionToken(await hs256({ sub: 'a', channel: '$x', exp: now() + 60, expire_at: 0 }));
    expect(sub.expiresAt).toBeUndefined();
  });
});

describe('claims', () => {
  it('rejects a connection token carrying a channel claim', async () => {
    const error = await hmac.verifyConnectionToken(await mintToken(SECRET, { user: 'a', channel: '$private' })).catch((e: unknown) => e);
    expect((error as TokenError).code).toBe('bad_claims');
    expect((error as TokenError).message).toBe('invalid claims: channel is not allowed in a connection token');
  });

  it('flattens Centrifugo subs overrides, decodes base64 info and keeps base64 data as binary data', async () => {
    const token = await hs256({
      sub: 'a',
      b64info: b64('{"role":"admin"}'),
      info: { ignored: true },
      subs: {
        'chat:1': { info: { seat: 1 }, b64data: b64('plain text'), override: { presence: { value: true }, join_leave: { value: false }, force_recovery: true } },
        'news:1': {},
      },
    });
    const claims = await hmac.verifyConnectionToken(token);
    expect(claims.info).toEqual({ role: 'admin' });
    expect(claims.subs).toEqual({
      'chat:1': { info: { seat: 1 }, data: b64('plain text'), binary: true, override: { presence: true, join_leave: false, force_recovery: true } },
      'news:1': {},
    });
    expect(await codeOf(hmac.verifyConnectionToken(await hs256({ sub: 'a', subs: { c: { override: { presence: 'yes' } } } })))).toBe('bad_claims');
    expect(await codeOf(hmac.verifyConnectionToken(await hs256({ sub: 'a', b64info: 'not base64!' })))).toBe('bad_claims');
    expect(await codeOf(hmac.verifyConnectionToken(await hs256({ sub: 'a', subs: { c: { b64data: 'not base64!' } } })))).toBe('bad_claims');
    expect(await codeOf(hmac.verifyConnectionToken(await hs256({ sub: 'a', channels: 'news:1' })))).toBe('bad_claims');
  });

  it('requires channel in a subscription token and returns its claims', async () => {
    expect(await codeOf(hmac.verifySubscriptionToken(await mintToken(SECRET, { user: 'a' })))).toBe('bad_claims');
    const exp = now() + 60;
    const token = await hs256({ sub: 'a', channel: '$room', client: 'c-1', exp, info: { x: 1 }, data: { y: 2 }, override: { presence: { value: false } } });
    expect(await hmac.verifySubscriptionToken(token)).toEqual({
      channel: '$room', user: 'a', client: 'c-1', expiresAt: exp, info: { x: 1 }, data: { y: 2 }, override: { presence: false },
    });
  });

  it('rejects empty and malformed tokens', async () => {
    expect(await codeOf(hmac.verifyConnectionToken(''))).toBe('token_missing');
    expect(await codeOf(hmac.verifyConnectionToken('not-a-jwt'))).toBe('token_malformed');
    expect(await codeOf(hmac.verifyConnectionToken('a.b.c'))).toBe('token_malformed');
    const arrayPayload = await new CompactSign(new TextEncoder().encode('[1,2]')).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
    expect(await codeOf(hmac.verifyConnectionToken(arrayPayload))).toBe('token_malformed');
  });

  it('keeps messages short, client-safe and documented', async () => {
    const token = await hs256({ sub: 'a', subs: { ['x'.repeat(300)]: { override: 1 } } });
    const error = (await hmac.verifyConnectionToken(token).catch((e: unknown) => e)) as TokenError;
    expect(error.code).toBe('bad_claims');
    expect(Buffer.byteLength(error.message)).toBeLessThanOrEqual(100);
    expect(error.message).not.toContain(token);
    for (const entry of Object.values(TOKEN_ERRORS)) expect(Buffer.byteLength(entry.message)).toBeLessThanOrEqual(100);
  });

  it('verifies concurrently without sharing results', async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => mintToken(SECRET, { user: `u${i}`, ttlSeconds: 60 })));
    const users = await Promise.all(tokens.map(async (t) => (await hmac.verifyConnectionToken(t)).user));
    expect(users).toEqual(tokens.map((_, i) => `u${i}`));
  });
});

/** A token signed by hand, so that headers and payloads jose would refuse to produce can be sent. */
function handSigned(header: object | string, payload: string | Buffer, { secret = SECRET, alg = 'HS256', signature }: { secret?: string; alg?: string; signature?: string } = {}): string {
  const encode = (part: object | string | Buffer) => Buffer.from(typeof part === 'object' && !Buffer.isBuffer(part) ? JSON.stringify(part) : part).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${signature ?? createHmac(`sha${alg.slice(2)}`, secret).update(input).digest('base64url')}`;
}

describe('HMAC verification without jose', () => {
  // HS* tokens are checked with node:crypto; jose still checks RSA, ECDSA and JWKS tokens. The two
  // must agree on every token: jose's jwtVerify is the reference for each case below.
  const options = { audience: 'renum', issuer: 'https://auth.renum.com.br' };
  const strict = verifier({ hmac_secret_key: SECRET, ...options });
  const good = { sub: 'a', aud: 'renum', iss: options.issuer, exp: now() + 60 };
  const json = (claims: object) => JSON.stringify(claims);
  const cases: Array<[string, string, TokenErrorCode | 'ok']> = [
    ['a valid HS256 token', handSigned({ alg: 'HS256', typ: 'JWT' }, json(good)), 'ok'],
    ['HS384', handSigned({ alg: 'HS384' }, json(good), { alg: 'HS384' }), 'ok'],
    ['HS512', handSigned({ alg: 'HS512' }, json(good), { alg: 'HS512' }), 'ok'],
    ['aud as a list that holds the audience', handSigned({ alg: 'HS256' }, json({ ...good, aud: ['x', 'renum'] })), 'ok'],
    ['nbf now', handSigned({ alg: 'HS256' }, json({ ...good, nbf: now() - 1 })), 'ok'],
    ['crit b64 with b64 true', handSigned({ alg: 'HS256', crit: ['b64'], b64: true }, json(good)), 'ok'],
    ['crit b64 with an unencoded payload', handSigned({ alg: 'HS256', crit: ['b64'], b64: false }, json(good)), 'token_malformed'],
    ['an unknown crit extension', handSigned({ alg: 'HS256', crit: ['exp'], exp: 1 }, json(good)), 'token_malformed'],
    ['an empty crit list', handSigned({ alg: 'HS256', crit: [] }, json(good)), 'token_malformed'],
    ['a signature by another secret', handSigned({ alg: 'HS256' }, json(good), { secret: 'wrong-secret-wrong-secret-wrong-se' }), 'bad_signature'],
    ['a truncated signature', handSigned({ alg: 'HS256' }, json(good), { signature: 'AAAA' }), 'bad_signature'],
    ['a header that is a JSON string', handSigned('"HS256"', json(good)), 'token_malformed'],
    ['a payload that is not UTF-8', handSigned({ alg: 'HS256' }, Buffer.from([0x7b, 0xff, 0x7d])), 'token_malformed'],
    ['a payload that is not JSON', handSigned({ alg: 'HS256' }, 'sub=a'), 'token_malformed'],
    ['iat not a number', handSigned({ alg: 'HS256' }, json({ ...good, iat: 'yesterday' })), 'bad_claims'],
    ['nbf not a number', handSigned({ alg: 'HS256' }, json({ ...good, nbf: '0' })), 'bad_claims'],
    ['exp not a number', handSigned({ alg: 'HS256' }, json({ ...good, exp: String(now() + 60) })), 'bad_claims'],
    ['nbf in the future', handSigned({ alg: 'HS256' }, json({ ...good, nbf: now() + 30 })), 'token_not_yet_valid'],
    ['exp now', handSigned({ alg: 'HS256' }, json({ ...good, exp: now() })), 'token_expired'],
    ['no iss', handSigned({ alg: 'HS256' }, json({ ...good, iss: undefined })), 'bad_issuer'],
    ['no iss and no aud', handSigned({ alg: 'HS256' }, json({ sub: 'a' })), 'bad_issuer'],
    ['aud a number', handSigned({ alg: 'HS256' }, json({ ...good, aud: 7 })), 'bad_audience'],
    ['aud a list without the audience', handSigned({ alg: 'HS256' }, json({ ...good, aud: ['x'] })), 'bad_audience'],
  ];

  it.each(cases)('%s: %s', async (_, token, expected) => {
    const alg = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { alg?: string };
    const byJose = await jwtVerify(token, new TextEncoder().encode(SECRET), { ...options, algorithms: [alg.alg ?? 'HS256'] }).then(() => 'ok', () => 'rejected');
    expect(byJose).toBe(expected === 'ok' ? 'ok' : 'rejected');
    if (expected === 'ok') expect((await strict.verifyConnectionToken(token)).user).toBe('a');
    else expect(await codeOf(strict.verifyConnectionToken(token))).toBe(expected);
  });

  it('refuses base64 padding (RFC 7515 §2: trailing = omitted), which jose lets pass', async () => {
    const padded = `${handSigned({ alg: 'HS256' }, json(good))}=`;
    expect(await codeOf(strict.verifyConnectionToken(padded))).toBe('token_malformed');
  });
});

interface JwksServer {
  url: string;
  keys: JWK[];
  status: number;
  hits: number;
  close(): Promise<void>;
}

const servers: JwksServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function jwksServer(keys: JWK[]): Promise<JwksServer> {
  const server = createServer((_, res) => {
    state.hits += 1;
    res.writeHead(state.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const state: JwksServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    keys,
    status: 200,
    hits: 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  servers.push(state);
  return state;
}

async function jwkPair(alg: 'ES256' | 'RS256' | 'EdDSA', kid: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } as JWK };
}

describe('JWKS', () => {
  it('verifies ES256, RS256 and EdDSA tokens by kid', async () => {
    const pairs = [await jwkPair('ES256', 'ec'), await jwkPair('RS256', 'rsa'), await jwkPair('EdDSA', 'ed')];
    const server = await jwksServer(pairs.map((p) => p.jwk));
    const remote = verifier({ jwks_public_endpoint: server.url });
    for (const { privateKey, jwk } of pairs) {
      const claims = await remote.verifyConnectionToken(await sign(privateKey, jwk.alg!, { sub: jwk.kid! }, jwk.kid));
      expect(claims.user).toBe(jwk.kid);
    }
    expect(server.hits).toBe(1);
    expect(await codeOf(remote.verifyConnectionToken(await hs256({ sub: 'a' })))).toBe('alg_not_allowed');
  });

  it('answers unknown_kid when the kid is still missing after a refetch', async () => {
    const known = await jwkPair('ES256', 'known');
    const stranger = await jwkPair('ES256', 'stranger');
    const server = await jwksServer([known.jwk]);
    const remote = verifier({ jwks_public_endpoint: server.url });
    await remote.verifyConnectionToken(await sign(known.privateKey, 'ES256', { sub: 'a' }, 'known'));
    expect(await codeOf(remote.verifyConnectionToken(await sign(stranger.privateKey, 'ES256', { sub: 'a' }, 'stranger')))).toBe('unknown_kid');
    expect(server.hits).toBe(2);
  });

  it('refetches once for a new kid however many tokens carry it, and not again for that kid', async () => {
    const known = await jwkPair('ES256', 'known');
    const server = await jwksServer([known.jwk]);
    const remote = verifier({ jwks_public_endpoint: server.url });
    await remote.verifyConnectionToken(await sign(known.privateKey, 'ES256', { sub: 'a' }, 'known'));
    const tokens = await Promise.all(Array.from({ length: 5 }, () => sign(known.privateKey, 'ES256', { sub: 'a' }, 'other')));
    const codes = await Promise.all(tokens.map((token) => codeOf(remote.verifyConnectionToken(token))));
    expect(codes).toEqual(Array(5).fill('unknown_kid'));
    expect(server.hits).toBe(2);
    expect(await codeOf(remote.verifyConnectionToken(tokens[0]!))).toBe('unknown_kid');
    expect(server.hits).toBe(2);
  });

  it('answers a temporary error, not a terminal one, for a new kid right after a refetch', async () => {
    const known = await jwkPair('ES256', 'known');
    const server = await jwksServer([known.jwk]);
    const remote = verifier({ jwks_public_endpoint: server.url }, { refetchIntervalMs: 300 });
    await remote.verifyConnectionToken(await sign(known.privateKey, 'ES256', { sub: 'a' }, 'known'));
    expect(await codeOf(remote.verifyConnectionToken(await sign(known.privateKey, 'ES256', { sub: 'a' }, 'random-1')))).toBe('unknown_kid');
    // Random kids cannot make the gateway hammer the endpoint: the next one waits its turn.
    const late = await jwkPair('ES256', 'late');
    const lateToken = await sign(late.privateKey, 'ES256', { sub: 'late' }, 'late');
    expect(await codeOf(remote.verifyConnectionToken(lateToken))).toBe('jwks_unavailable');
    expect(server.hits).toBe(2);
    server.keys = [known.jwk, late.jwk];
    await new Promise((r) => setTimeout(r, 350));
    expect((await remote.verifyConnectionToken(lateToken)).user).toBe('late');
    expect(server.hits).toBe(3);
  });

  it('picks up a rotated key set at once', async () => {
    const first = await jwkPair('ES256', 'key-1');
    const second = await jwkPair('ES256', 'key-2');
    const server = await jwksServer([first.jwk]);
    const remote = verifier({ jwks_public_endpoint: server.url }, { refetchIntervalMs: 0 });
    expect((await remote.verifyConnectionToken(await sign(first.privateKey, 'ES256', { sub: 'one' }, 'key-1'))).user).toBe('one');
    server.keys = [second.jwk];
    expect((await remote.verifyConnectionToken(await sign(second.privateKey, 'ES256', { sub: 'two' }, 'key-2'))).user).toBe('two');
    expect(await codeOf(remote.verifyConnectionToken(await sign(first.privateKey, 'ES256', { sub: 'one' }, 'key-1')))).toBe('unknown_kid');
  });

  it('tries every matching key for a token without kid', async () => {
    const a = await jwkPair('ES256', 'a');
    const b = await jwkPair('ES256', 'b');
    const server = await jwksServer([a.jwk, b.jwk]);
    const remote = verifier({ jwks_public_endpoint: server.url });
    expect((await remote.verifyConnectionToken(await sign(b.privateKey, 'ES256', { sub: 'b' }))).user).toBe('b');
    const other = await generateKeyPair('ES256');
    expect(await codeOf(remote.verifyConnectionToken(await sign(other.privateKey, 'ES256', { sub: 'x' })))).toBe('bad_signature');
  });

  it('reports jwks_unavailable when the endpoint is down or failing', async () => {
    const pair = await jwkPair('ES256', 'k');
    const token = await sign(pair.privateKey, 'ES256', { sub: 'a' }, 'k');
    const down = await jwksServer([pair.jwk]);
    await down.close();
    servers.splice(servers.indexOf(down), 1);
    expect(await codeOf(verifier({ jwks_public_endpoint: down.url }).verifyConnectionToken(token))).toBe('jwks_unavailable');
    const failing = await jwksServer([pair.jwk]);
    failing.status = 500;
    const remote = verifier({ jwks_public_endpoint: failing.url });
    expect(await codeOf(remote.verifyConnectionToken(token))).toBe('jwks_unavailable');
    expect(failing.hits).toBe(2); // one retry
    // Once the endpoint recovers, the same token passes: a failure never locks anyone out.
    failing.status = 200;
    expect((await remote.verifyConnectionToken(token)).user).toBe('a');
  });
});

describe('token CLI', () => {
  let cli: typeof import('../src/cli/token.js');
  beforeAll(async () => {
    cli = await import('../src/cli/token.js');
  });

  /** A real staging config file with these token settings. */
  function configWith(token: Record<string, string>, client: Record<string, unknown> = {}): string[] {
    return ['--env', 'staging', '--config', writeConfigFile({ http_api: { key: 'k' }, client: { token, ...client } })];
  }

  async function run(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
    try {
      return { code: await cli.runToken(argv), stdout: out.join(''), stderr: err.join('') };
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }

  it('parses --ttl durations', () => {
    expect(['90s', '15m', '1h', '2d'].map(cli.parseTtl)).toEqual([90, 900, 3600, 172_800]);
    expect(['1.5h', '10', '0s', '1w'].map(cli.parseTtl)).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('prints only the token on stdout, with the configured audience and issuer', async () => {
    const result = await run([...configWith({ hmac_secret_key: SECRET, audience: 'renum', issuer: 'me' }), '--user', 'alice', '--ttl', '15m', '--channel', 'news:1', '--channel', 'chat:1', '--info', '{"name":"Alice"}']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('alice');
    const strict = verifier({ hmac_secret_key: SECRET, audience: 'renum', issuer: 'me' });
    const claims = await strict.verifyConnectionToken(result.stdout.trim());
    expect(claims).toMatchObject({ user: 'alice', channels: ['news:1', 'chat:1'], info: { name: 'Alice' } });
    expect(claims.expiresAt! - now()).toBeGreaterThanOrEqual(899);
  });

  it('mints a subscription token with --subscription-channel', async () => {
    const result = await run([...configWith({ hmac_secret_key: SECRET }), '--user', 'bob', '--subscription-channel', '$room']);
    expect(result.code).toBe(0);
    expect(await hmac.verifySubscriptionToken(result.stdout.trim())).toMatchObject({ channel: '$room', user: 'bob' });
  });

  it('exits 1 naming the config key when there is no HMAC secret', async () => {
    const result = await run([...configWith({}, { allow_anonymous_connect_without_token: true }), '--user', 'alice']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('client.token.hmac_secret_key');
  });

  it('exits 2 on usage errors', async () => {
    const config = configWith({ hmac_secret_key: SECRET });
    for (const args of [[], ['--user', 'a', '--ttl', '5x'], ['--user', 'a', '--bogus'], ['--user', 'a', '--info', '{bad'], ['--user', 'a', '--channel', 'c', '--subscription-channel', '$c']]) {
      const argv = [...config, ...args];
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
    }
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken } from '../src/auth/mint.js';
import { newClient, once, until } from './support/client.js';
import { freePort } from './support/ports.js';
import { RawClient } from './support/raw-client.js';
import { gatewayPool, startGateway, TEST_API_KEY, TEST_SECRET, type TestGateway } from './support/gateway.js';

const gateway = gatewayPool(afterAll);

async function signedWith(key: CryptoKey, alg: string, claims: Record<string, unknown>, kid?: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).setExpirationTime('1h').sign(key);
}

describe('connection tokens', () => {
  it('accepts RS256 tokens checked with the configured public key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const gw = await gateway({ client: { token: { hmac_secret_key: null, rsa_public_key: await exportSPKI(publicKey) } } });
    const client = newClient(gw.url, { token: await signedWith(privateKey, 'RS256', { sub: 'rsa-user' }) });
    client.connect();
    await client.ready(3000);
    const info = await gw.api('info', {});
    expect(info.nodes[0].num_users).toBe(1);
    client.disconnect();
  });

  it('accepts tokens whose key comes from a JWKS endpoint, and a rotated key at once', async () => {
    const pair = async (kid: string) => {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
    };
    const first = await pair('key-1');
    const second = await pair('key-2');
    let keys = [first.jwk];
    const jwks: Server = createServer((_, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    const gw = await gateway({ client: { token: { hmac_secret_key: null, jwks_public_endpoint: endpoint } } });
    const before = newClient(gw.url, { token: await signedWith(first.privateKey, 'ES256', { sub: 'jwks-user' }, 'key-1') });
    before.connect();
    await before.ready(3000);
    // The identity provider rotates: its next tokens carry a kid the gateway fetched moments ago without.
    keys = [first.jwk, second.jwk];
    const after = newClient(gw.url, { token: await signedWith(second.privateKey, 'ES256', { sub: 'rotated-user' }, 'key-2') });
    after.connect();
    await after.ready(3000);
    before.disconnect();
    after.disconnect();
    jwks.close();
  });

  it('refreshes an expiring token through getToken without dropping the connection', async () => {
    const gw = await gateway();
    let calls = 0;
    const client = newClient(gw.url, {
      token: await gw.token('refresher', { ttlSeconds: 2 }),
      getToken: async () => {
        calls += 1;
        return gw.token('refresher', { ttlSeconds: 60 });
      },
    });
    const states: string[] = [];
    client.on('state', (ctx) => states.push(ctx.newState));
    client.connect();
    const { client: clientId } = await once<{ client: string }>(client, 'connected');
    await until(() => calls >= 1, 5000, 'getToken');
    await new Promise((r) => setTimeout(r, 1500));
    expect(states).toEqual(['connecting', 'connected']);
    const sub = client.newSubscription('chat:refresh');
    sub.subscribe();
    await sub.ready(3000);
    const presence = await gw.api('presence', { channel: 'chat:refresh' });
    expect(Object.keys(presence.presence)).toEqual([clientId]);
    client.disconnect();
  });

  it('gets a new token after error 109 when the token expired before connect', async () => {
    const gw = await gateway();
    let calls = 0;
    const client = newClient(gw.url, {
      token: await gw.token('late', { ttlSeconds: -10 }),
      getToken: async () => {
        calls += 1;
        return gw.token('late', { ttlSeconds: 60 });
      },
    });
    client.connect();
    await client.ready(5000);
    expect(calls).toBe(1);
    client.disconnect();
  });

  it('closes a connection whose token expired and was not refreshed with 3005', async () => {
    const gw = await gateway({ client: { expired_close_delay: '200ms' } });
    const raw = await RawClient.open(gw.url);
    const result = await raw.connect(await gw.token('expiring', { ttlSeconds: 1 }));
    expect(result.expires).toBe(true);
    expect(result.ttl).toBe(1);
    expect(await raw.closed).toEqual({ code: 3005, reason: 'connection expired' });
  });

  it('stops a client with a token signed by another key: 3500, no reconnect', async () => {
    const gw = await gateway();
    const client = newClient(gw.url, { token: await mintToken('another-secret-another-secret-123', { user: 'mallory' }) });
    let attempts = 0;
    client.on('connecting', () => (attempts += 1));
    const disconnected = once<{ code: number; reason: string }>(client, 'disconnected');
    client.connect();
    const ctx = await disconnected;
    expect(ctx.code).toBe(3500);
    expect(ctx.reason).toBe('invalid token');
    await new Promise((r) => setTimeout(r, 500));
    expect(attempts).toBe(1);
    expect(client.state).toBe('disconnected');
  });

  it('stops a client that sends no token: 3501 token required', async () => {
    const gw = await gateway();
    const client = newClient(gw.url);
    const disconnected = once<{ code: number; reason: string }>(client, 'disconnected');
    client.connect();
    expect(await disconnected).toEqual({ code: 3501, reason: 'token required: send a JWT in the connect command' });
  });

  it('lets anonymous clients in only when configured', async () => {
    const gw = await gateway({ client: { allow_anonymous_connect_without_token: true } });
    const client = newClient(gw.url);
    client.connect();
    await client.ready(3000);
    client.disconnect();
  });

  it('rejects unsigned (alg none) tokens', async () => {
    const gw = await gateway();
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    const raw = await RawClient.open(gw.url);
    raw.send({ id: 1, connect: { token: unsigned } });
    expect((await raw.closed).code).toBe(3500);
  });

  it('refreshes a subscription token through the subscription getToken (sub_refresh)', async () => {
    const gw = await gateway();
    const client = newClient(gw.url, { token: await gw.token('subref') });
    client.connect();
    let calls = 0;
    const sub = client.newSubscription('$private:room', {
      token: await gw.subscriptionToken('subref', '$private:room', 2),
      getToken: async () => {
        calls += 1;
        return gw.subscriptionToken('subref', '$private:room', 60);
      },
    });
    const states: string[] = [];
    sub.on('state', (ctx) => states.push(ctx.newState));
    sub.subscribe();
    await sub.ready(3000);
    await until(() => calls >= 1, 5000, 'subscription getToken');
    await new Promise((r) => setTimeout(r, 500));
    expect(states).toEqual(['subscribing', 'subscribed']);
    const seen = once<{ data: unknown }>(sub, 'publication');
    await gw.api('publish', { channel: '$private:room', data: { still: 'here' } });
    expect((await seen).data).toEqual({ still: 'here' });
    client.disconnect();
  });
});

describe('what a refused token tells the client, the log and the API key holder', () => {
  let gw: TestGateway;
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const refused = async () => ({
    'bad_signature: signature invalid': await mintToken('another-secret-another-secret-123', { user: 'mallory' }),
    'bad_audience: audience mismatch': await mintToken(TEST_SECRET, { user: 'mallory', audience: 'another-app' }),
    'alg_not_allowed: algorithm not allowed': `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: 'admin', aud: 'renum-realtime', exp: Math.floor(Date.now() / 1000) + 60 })}.`,
  });
  const apiCall = (body: unknown, key = TEST_API_KEY) =>
    fetch(`${gw.apiUrl}/token_check`, { method: 'POST', headers: { 'X-API-Key': key }, body: JSON.stringify(body) });

  afterAll(() => gw?.close());

  it('closes every refused token with 3500 "invalid token" and logs which check failed', async () => {
    gw = await startGateway({ client: { token: { audience: 'renum-realtime' } } }, undefined, { captureLogs: true });
    for (const [detail, token] of Object.entries(await refused())) {
      const raw = await RawClient.open(gw.url);
      raw.send({ id: 1, connect: { token } });
      expect(await raw.closed).toEqual({ code: 3500, reason: 'invalid token' });
      await until(() => gw.logs.some((line) => line.msg === 'command closed the connection' && String(line.detail).startsWith(detail)), 2000, `log line naming ${detail}`);
    }
  });

  it('names the check to the API key holder (token_check), and to no one without the key', async () => {
    for (const [detail, token] of Object.entries(await refused())) {
      const answer = (await (await apiCall({ token })).json()) as { result: { valid: boolean; code: string; message: string; explanation: string } };
      expect(`${answer.result.code}: ${answer.result.message}`).toBe(detail);
      expect(answer.result.valid).toBe(false);
      expect(answer.result.explanation.length).toBeGreaterThan(10);
    }
    const good = await mintToken(TEST_SECRET, { user: 'alice', audience: 'renum-realtime', ttlSeconds: 60 });
    const accepted = (await (await apiCall({ token: good })).json()) as { result: { valid: boolean; user: string; expire_at: number } };
    expect(accepted.result).toMatchObject({ valid: true, user: 'alice' });
    expect(accepted.result.expire_at).toBeGreaterThan(Date.now() / 1000);
    expect((await apiCall({ token: good }, 'wrong-key')).status).toBe(401);
  });

  it('still tells the SDK to retry (temporary 100) when the key server cannot be reached', async () => {
    const unreachable = await gateway({ client: { token: { hmac_secret_key: null, jwks_public_endpoint: `http://127.0.0.1:${await freePort()}/jwks.json` } } });
    const { privateKey } = await generateKeyPair('RS256');
    const client = newClient(unreachable.url, { token: await signedWith(privateKey, 'RS256', { sub: 'alice' }, 'key-1') });
    const failed = once<{ type: string; error: { code: number; temporary?: boolean } }>(client, 'error');
    client.connect();
    expect(await failed).toMatchObject({ type: 'connect', error: { code: 100, temporary: true } });
    expect(client.state).toBe('connecting');
    client.disconnect();
  });

  it('closes a refresh with another user\'s token with 3500 "invalid token" too', async () => {
    const raw = await RawClient.open(gw.url);
    await raw.connect(await mintToken(TEST_SECRET, { user: 'alice', audience: 'renum-realtime', ttlSeconds: 60 }));
    raw.send({ id: 2, refresh: { token: await mintToken(TEST_SECRET, { user: 'bob', audience: 'renum-realtime', ttlSeconds: 60 }) } });
    expect(await raw.closed).toEqual({ code: 3500, reason: 'invalid token' });
    await until(() => gw.logs.some((line) => line.detail === 'refresh token user does not match the connection'), 2000, 'log line naming the mismatch');
  });
});

import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../src/auth/mint.js';
import { runDoctor, type DoctorReport } from '../src/doctor/run.js';
import { checkUrl } from '../src/doctor/url.js';
import { startGateway, TEST_API_KEY, TEST_SECRET, type TestGateway } from './support/gateway.js';

function step(report: DoctorReport, id: string) {
  const found = report.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id}`);
  return found;
}

function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: { close(cb: () => void): unknown; closeAllConnections?: () => void }): Promise<void> {
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The first failing step, so an assertion failure shows what the doctor said instead. */
function firstFailure(report: DoctorReport) {
  return report.steps.find((s) => s.status === 'fail');
}

describe('doctor against a healthy gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ client: { ping_interval: '1s', pong_timeout: '500ms' } });
  });
  afterAll(() => gw.close());

  it('passes every step: URL, DNS, TCP, upgrade, connect, subscribe, publish round trip, ping', async () => {
    const report = await runDoctor({ url: gw.url, origin: 'http://localhost:3000', token: await gw.token('alice'), channel: 'doctor-check', apiKey: TEST_API_KEY });
    expect(firstFailure(report)).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => [s.id, s.status])).toEqual([
      ['url', 'pass'], ['dns', 'pass'], ['tcp', 'pass'], ['tls', 'skip'], ['upgrade', 'pass'],
      ['connect', 'pass'], ['subscribe', 'pass'], ['publish', 'pass'], ['ping', 'pass'],
    ]);
    expect(step(report, 'upgrade').details[0]).toBe('HTTP 101 Switching Protocols');
    expect(step(report, 'publish').details.join('\n')).toMatch(/round trip API → socket \d+(\.\d)? ms/);
    expect(step(report, 'ping').details[0]).toMatch(/announced every 1 s\), pong sent/);
    const claims = step(report, 'connect').details.join('\n');
    expect(claims).toContain('"sub":"alice"');
    expect(claims).toContain('(not shown)');
  });

  it('never prints the token signature', async () => {
    const token = await gw.token('alice');
    const report = await runDoctor({ url: gw.url, token });
    expect(JSON.stringify(report)).not.toContain(token.split('.')[2]);
  });

  it('names a wrong path and the path the gateway serves', async () => {
    const report = await runDoctor({ url: `${gw.url.replace(/\/connection\/websocket$/, '')}/api/v1/ws`, token: await gw.token('alice') });
    const upgrade = step(report, 'upgrade');
    expect(upgrade).toMatchObject({ status: 'fail', problem: 'wrong_path' });
    expect(upgrade.cause).toContain('the server says its endpoint is /connection/websocket');
    expect(upgrade.fix).toBe(`Use ${gw.url}`);
    expect(step(report, 'connect').status).toBe('skip');
    expect(report.ok).toBe(false);
  });

  it('decodes an expired token: the server error 109 and by how long', async () => {
    const report = await runDoctor({ url: gw.url, token: await gw.token('alice', { ttlSeconds: -7200 }) });
    const connect = step(report, 'connect');
    expect(connect).toMatchObject({ status: 'fail', problem: 'token_expired' });
    expect(connect.cause).toMatch(/error 109 "token expired": the token expired 2 h ago \(exp /);
  });

  it('names a token signed with another key (close 3500) when it has the API key to ask the gateway', async () => {
    const report = await runDoctor({ url: gw.url, token: await mintToken('some-other-secret-of-another-service', { user: 'alice' }), apiKey: TEST_API_KEY });
    const connect = step(report, 'connect');
    expect(connect).toMatchObject({ status: 'fail', problem: 'token_bad_signature' });
    expect(connect.cause).toContain('closed with 3500 "invalid token" (token_check: signature invalid)');
    expect(connect.fix).toContain('hmac_secret_key');
    expect(connect.details).toContain(`token_check at ${gw.apiUrl}: bad_signature`);
  });

  it('without the API key, says the gateway does not tell clients the cause, and how to learn it', async () => {
    const report = await runDoctor({ url: gw.url, token: await mintToken('some-other-secret-of-another-service', { user: 'alice' }) });
    const connect = step(report, 'connect');
    expect(connect).toMatchObject({ status: 'fail', problem: 'token_invalid' });
    expect(connect.details).toContain('closed 3500 "invalid token": invalid token (the SDK stops)');
    expect(connect.cause).toContain('the gateway does not tell clients which check failed');
    expect(connect.fix).toContain('--api-key');
  });

  it('names a missing, an empty and a malformed token', async () => {
    expect(step(await runDoctor({ url: gw.url }), 'connect')).toMatchObject({ status: 'fail', problem: 'token_missing' });
    const empty = step(await runDoctor({ url: gw.url, token: '' }), 'connect');
    expect(empty).toMatchObject({ status: 'fail', problem: 'token_missing' });
    expect(empty.cause).toContain('the token is empty');
    const bearer = step(await runDoctor({ url: gw.url, token: `Bearer ${await gw.token('alice')}` }), 'connect');
    expect(bearer).toMatchObject({ status: 'fail', problem: 'token_malformed' });
  });

  it('reports a refused TCP connection', async () => {
    const probe = createNetServer();
    const port = await listen(probe);
    await close(probe);
    const report = await runDoctor({ url: `ws://127.0.0.1:${port}/ws`, timeoutMs: 2000 });
    expect(step(report, 'tcp')).toMatchObject({ status: 'fail', problem: 'tcp_econnrefused' });
  });
});

describe('doctor and the token audience and issuer', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ client: { token: { audience: 'renum-realtime', issuer: 'renum-backend' } } });
  });
  afterAll(() => gw.close());

  it('names a wrong audience and shows the aud the token carries', async () => {
    const token = await mintToken(TEST_SECRET, { user: 'alice', audience: 'suna-users', issuer: 'renum-backend' });
    const connect = step(await runDoctor({ url: gw.url, token, apiKey: TEST_API_KEY }), 'connect');
    expect(connect).toMatchObject({ status: 'fail', problem: 'token_bad_audience' });
    expect(connect.cause).toContain('(token_check: audience mismatch)');
    expect(connect.details.join('\n')).toContain('"aud":"suna-users"');
  });

  it('names a wrong issuer', async () => {
    const token = await mintToken(TEST_SECRET, { user: 'alice', audience: 'renum-realtime', issuer: 'suna-app' });
    const connect = step(await runDoctor({ url: gw.url, token, apiKey: TEST_API_KEY }), 'connect');
    expect(connect).toMatchObject({ status: 'fail', problem: 'token_bad_issuer' });
    expect(connect.fix).toContain('client.token.issuer');
  });
});

describe('doctor and a JWKS key set', () => {
  let gw: TestGateway;
  let jwks: Server;
  let signing: CryptoKey;
  beforeAll(async () => {
    const known = await generateKeyPair('RS256');
    signing = (await generateKeyPair('RS256')).privateKey;
    const body = JSON.stringify({ keys: [{ ...(await exportJWK(known.publicKey)), kid: 'key-2026', alg: 'RS256', use: 'sig' }] });
    jwks = createHttpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(body));
    const port = await listen(jwks);
    gw = await startGateway({ client: { token: { hmac_secret_key: null, jwks_public_endpoint: `http://127.0.0.1:${port}/jwks.json` } } });
  });
  afterAll(async () => {
    await gw.close();
    await close(jwks);
  });

  it('names a kid the key set does not contain', async () => {
    const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256', kid: 'key-2025' }).sign(signing);
    const connect = step(await runDoctor({ url: gw.url, token, apiKey: TEST_API_KEY }), 'connect');
    expect(connect).toMatchObject({ status: 'fail', problem: 'token_unknown_kid' });
    expect(connect.cause).toContain('"invalid token" (token_check: unknown key id)');
    expect(connect.details[0]).toBe('header {"alg":"RS256","kid":"key-2025"}');
  });
});

describe('doctor and the origin policy (production profile)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ client: { allowed_origins: ['https://renum.com.br'] } }, undefined, { env: 'production' });
  });
  afterAll(() => gw.close());

  it('says which origin was refused and where to allow it', async () => {
    const report = await runDoctor({ url: gw.url, origin: 'http://localhost:3001', token: await gw.token('alice') });
    const upgrade = step(report, 'upgrade');
    expect(upgrade).toMatchObject({ status: 'fail', problem: 'origin_not_allowed' });
    expect(upgrade.cause).toContain('refused Origin http://localhost:3001');
    expect(upgrade.cause).toContain('not in client.allowed_origins (production profile)');
    expect(upgrade.fix).toContain('client.allowed_origins');
  });
});

describe('doctor and things that do not upgrade', () => {
  let gw: TestGateway;
  let plain: Server;
  let proxy: Server;
  let plainPort: number;
  let proxyPort: number;
  beforeAll(async () => {
    gw = await startGateway();
    // A plain web server with no WebSocket support: answers the upgrade request like any GET.
    plain = createHttpServer((req, res) => {
      if (req.url === '/moved') return void res.writeHead(301, { Location: 'https://rt.renum.example/ws' }).end();
      if (req.url === '/login') return void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="staging"' }).end();
      if (req.url === '/legacy') return void res.writeHead(426, { Upgrade: 'websocket' }).end('Upgrade Required');
      res.end('<html>hello</html>');
    });
    plainPort = await listen(plain);
    // A reverse proxy without the nginx upgrade lines: hop-by-hop headers are not forwarded.
    const target = new URL(gw.url);
    proxy = createHttpServer((req, res) => {
      const { upgrade: _u, connection: _c, ...headers } = req.headers;
      const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, via: '1.1 test-proxy' });
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    proxyPort = await listen(proxy);
  });
  afterAll(async () => {
    await Promise.all([close(plain), close(proxy)]);
    await gw.close();
  });

  it('names a server that answers 200 to the upgrade and shows the nginx lines', async () => {
    const report = await runDoctor({ url: `ws://127.0.0.1:${plainPort}/ws` });
    const upgrade = step(report, 'upgrade');
    expect(upgrade).toMatchObject({ status: 'fail', problem: 'upgrade_headers_dropped' });
    expect(upgrade.cause).toContain('answered 200 instead of 101');
    expect(upgrade.fix).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(upgrade.fix).toContain('proxy_set_header Connection "upgrade";');
  });

  it('names a redirect, HTTP auth in front, and 426', async () => {
    const redirect = step(await runDoctor({ url: `ws://127.0.0.1:${plainPort}/moved` }), 'upgrade');
    expect(redirect).toMatchObject({ status: 'fail', problem: 'redirect' });
    expect(redirect.fix).toBe('Use the final URL directly (wss://rt.renum.example/ws).');
    const auth = step(await runDoctor({ url: `ws://127.0.0.1:${plainPort}/login` }), 'upgrade');
    expect(auth).toMatchObject({ status: 'fail', problem: 'unauthorized' });
    expect(auth.cause).toContain('WWW-Authenticate: Basic realm="staging"');
    expect(step(await runDoctor({ url: `ws://127.0.0.1:${plainPort}/legacy` }), 'upgrade')).toMatchObject({ status: 'fail', problem: 'upgrade_headers_dropped' });
  });

  it('names a proxy that strips Upgrade/Connection in front of a real gateway', async () => {
    const report = await runDoctor({ url: `ws://127.0.0.1:${proxyPort}/ws`, token: await gw.token('alice') });
    const upgrade = step(report, 'upgrade');
    expect(upgrade).toMatchObject({ status: 'fail', problem: 'upgrade_headers_dropped' });
    expect(upgrade.cause).toContain('the server answered 426 Upgrade Required');
    expect(upgrade.details).toContain('via: 1.1 test-proxy');
    expect(upgrade.fix).toContain('proxy_http_version 1.1;');
  });
});

describe('doctor URL checks', () => {
  it('refuses ws:// from an https:// page (mixed content)', () => {
    expect(checkUrl('ws://api.renum.com.br/ws', 'https://renum.com.br').outcome).toMatchObject({ status: 'fail', problem: 'mixed_content' });
  });

  it('refuses localhost and private addresses as the URL of a public page', () => {
    expect(checkUrl('wss://localhost:8000/ws', 'https://renum.com.br').outcome).toMatchObject({ status: 'fail', problem: 'url_not_public' });
    expect(checkUrl('wss://192.168.1.20:9000/ws', 'https://renum.com.br').outcome).toMatchObject({ status: 'fail', problem: 'url_not_public' });
  });

  it('passes a public wss:// URL and warns about local ones', () => {
    expect(checkUrl('wss://rt.renum.com.br/ws', 'https://renum.com.br').outcome.status).toBeUndefined();
    expect(checkUrl('ws://localhost:8000/ws', undefined).outcome.warnings?.[0]).toContain('local');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ConfigError } from '../src/config/errors.js';
import { loadConfig } from '../src/config/load.js';
import { ADMIN_PASSWORD, AdminHttp, startAdminGateway, type AdminTestGateway } from './support/admin.js';
import { TEST_API_KEY } from './support/gateway.js';

const ATTACKER = '203.0.113.7';
const ADMIN = '198.51.100.2';

/** A login as the proxy forwards it: the client's address in X-Forwarded-For. */
function login(gw: AdminTestGateway, password: string, forwardedFor: string) {
  return new AdminHttp(gw.baseUrl).post('login', { password }, { 'X-Forwarded-For': forwardedFor });
}

async function lockOut(gw: AdminTestGateway, forwardedFor: string): Promise<void> {
  for (let attempt = 1; attempt <= 2; attempt++) expect((await login(gw, `guess-${attempt}`, forwardedFor)).status).toBe(401);
  expect((await login(gw, ADMIN_PASSWORD, forwardedFor)).status).toBe(429);
}

/** Status of a WebSocket upgrade sent through the "proxy" with this X-Forwarded-For. */
function upgradeStatus(gw: AdminTestGateway, forwardedFor: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(gw.url, { headers: { 'X-Forwarded-For': forwardedFor } });
    ws.once('upgrade', (response) => {
      resolve(response.statusCode ?? 0);
      ws.close();
    });
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
    });
    ws.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

// The test client connects from 127.0.0.1: listing it makes the gateway read it as a proxy.
describe('behind a trusted proxy (127.0.0.1 in http_server.trusted_proxies)', () => {
  let gw: AdminTestGateway;
  beforeAll(async () => {
    gw = await startAdminGateway(
      { loginAttemptsBeforeBackoff: 2 },
      { http_server: { trusted_proxies: ['127.0.0.1', '10.0.0.0/8'] }, client: { connect_rate_limit: { per_address_per_second: 1, per_address_burst: 2 } } },
      { captureLogs: true },
    );
  });
  afterAll(() => gw.close());

  it('locks out the address that guesses, and lets the admin in from another one', async () => {
    await lockOut(gw, ATTACKER);
    const admin = await login(gw, ADMIN_PASSWORD, ADMIN);
    expect(admin.status).toBe(200);
    expect(admin.body.csrf).toBeTypeOf('string');
    const failed = gw.logs.filter((line) => line.event === 'admin_login_failed');
    expect(failed.map((line) => line.address)).toEqual([ATTACKER, ATTACKER]);
    expect(gw.logs.find((line) => line.event === 'admin_login_throttled')?.address).toBe(ATTACKER);
  });

  it('keys on the right-most untrusted hop: an entry the client wrote itself changes nothing', async () => {
    const keyedOn = async (forwardedFor: string): Promise<string> => {
      const before = gw.logs.length;
      await login(gw, 'another-guess', forwardedFor);
      return gw.logs.slice(before).find((line) => String(line.event).startsWith('admin_login_'))?.address;
    };
    // The client sent "X-Forwarded-For: <admin's address>"; the proxy appended the one it saw.
    expect(await keyedOn(`${ADMIN}, ${ATTACKER}`)).toBe(ATTACKER);
    // Through a second trusted proxy (10.0.0.5) the client is the hop before it.
    expect(await keyedOn(`${ADMIN}, ${ATTACKER}, 10.0.0.5`)).toBe(ATTACKER);
    // Every hop trusted: the left-most one is the client.
    expect(await keyedOn('10.0.0.9, 10.0.0.5')).toBe('10.0.0.9');
    // A hop that is no address: the proxy that forwarded it stands for the client.
    expect(await keyedOn('unknown, 10.0.0.5')).toBe('10.0.0.5');
  });

  it('throttles wrong server API keys per client address', async () => {
    const call = (key: string, forwardedFor: string) =>
      fetch(`${gw.apiUrl}/info`, { method: 'POST', headers: { 'X-API-Key': key, 'X-Forwarded-For': forwardedFor }, body: '{}' });
    for (let attempt = 0; attempt < 10; attempt++) expect((await call('guessed-key', ATTACKER)).status).toBe(401);
    expect((await call(TEST_API_KEY, ATTACKER)).status).toBe(429);
    expect((await call(TEST_API_KEY, ADMIN)).status).toBe(200);
  });

  it('limits new connections per client address, not per proxy', async () => {
    const busy = '192.0.2.10';
    const statuses: number[] = [];
    // per_address_burst is 2: the third upgrade in a row is refused, unless a second has passed.
    while (statuses.at(-1) !== 429 && statuses.length < 10) statuses.push(await upgradeStatus(gw, busy));
    expect(statuses.slice(0, 2)).toEqual([101, 101]);
    expect(statuses.at(-1)).toBe(429);
    expect(await upgradeStatus(gw, '192.0.2.11')).toBe(101);
    const refused = gw.logs.find((line) => line.event === 'handshake_rejected' && line.reason === 'connect_rate_address');
    expect(refused?.address).toBe(busy);
  });
});

describe('behind a proxy that is not trusted', () => {
  let gw: AdminTestGateway;
  beforeAll(async () => {
    gw = await startAdminGateway({ loginAttemptsBeforeBackoff: 2 }, { http_server: { trusted_proxies: ['10.0.0.1'] } }, { captureLogs: true });
  });
  afterAll(() => gw.close());

  it('ignores X-Forwarded-For from an untrusted peer: the socket address is the client', async () => {
    await lockOut(gw, ATTACKER);
    // A forged header cannot buy a fresh lockout slot: the peer 127.0.0.1 stays locked.
    expect((await login(gw, ADMIN_PASSWORD, ADMIN)).status).toBe(429);
    const failed = gw.logs.filter((line) => line.event === 'admin_login_failed');
    expect(failed.map((line) => line.address)).toEqual(['127.0.0.1', '127.0.0.1']);
  });
});

describe('http_server.trusted_proxies validation', () => {
  function problemsOf(trusted: unknown): readonly string[] {
    const dir = mkdtempSync(join(tmpdir(), 'renum-trusted-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ http_server: { trusted_proxies: trusted } }));
    try {
      loadConfig({ file, environ: {}, cwd: dir });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    return [];
  }

  it('accepts addresses and CIDR ranges of both families, also from the environment', () => {
    expect(problemsOf(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8'])).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'renum-trusted-'));
    const config = loadConfig({ environ: { REALTIME_HTTP_SERVER_TRUSTED_PROXIES: '10.0.0.1,172.16.0.0/12' }, cwd: dir });
    expect(config.http_server.trusted_proxies).toEqual(['10.0.0.1', '172.16.0.0/12']);
  });

  it('names every entry that is no address or range, and how to write one', () => {
    const problems = problemsOf(['10.0.0.0/8', 'nginx', '10.0.0.0/33', 'fd00::/129']);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/http_server\.trusted_proxies\[1\].*"nginx" is not an IP address or CIDR range — write e\.g\. "10\.0\.0\.1", "10\.0\.0\.0\/8"/);
    expect(problems[1]).toMatch(/trusted_proxies\[2\].*an ipv4 prefix is 0 to 32/);
    expect(problems[2]).toMatch(/trusted_proxies\[3\].*an ipv6 prefix is 0 to 128/);
  });
});

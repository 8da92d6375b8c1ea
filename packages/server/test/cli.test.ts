import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { newClient, once } from './support/client.js';
import { baseTestConfig, deepMerge, writeConfigFile } from './support/gateway.js';
import { CLI, runCli, spawnGateway, type GatewayProcess } from './support/process.js';

let running: GatewayProcess | undefined;
afterEach(() => {
  running?.child.kill('SIGKILL');
  running = undefined;
});

describe('renum-realtime CLI', () => {
  it('serves on embedded defaults, mints tokens with the generated local secret, and drains on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rr-cli-'));
    const env = { REALTIME_DATA_DIR: dataDir, REALTIME_PORT: '0', REALTIME_LOG_LEVEL: 'info' };
    running = await spawnGateway(['serve'], env);
    expect(running.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/connection\/websocket$/);
    const banner = running.stderr.join('');
    expect(banner).toContain('local profile');
    expect(banner).toContain('renum-realtime token --user alice');

    const minted = await runCli(['token', '--user', 'alice', '--ttl', '10m'], env);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    expect(token.split('.')).toHaveLength(3);

    const clients = [0, 1, 2].map(() => newClient(running!.url, { token, minReconnectDelay: 5000 }));
    for (const client of clients) client.connect();
    await Promise.all(clients.map((c) => c.ready(3000)));
    const reconnecting = clients.map((c) => once<{ code: number; reason: string }>(c, 'connecting'));
    const started = Date.now();
    running.child.kill('SIGTERM');
    for (const ctx of await Promise.all(reconnecting)) expect(ctx).toEqual({ code: 3001, reason: 'shutdown' });
    expect(await running.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const client of clients) client.disconnect();
    const logs = running.stdout.join('').trim().split('\n').map((l) => JSON.parse(l));
    expect(logs.filter((l) => l.event === 'disconnect' && l.code === 3001)).toHaveLength(3);
    expect(logs.some((l) => l.event === 'stopped')).toBe(true);
    expect(running.stdout.join('')).not.toContain(token);
  });

  it('serve starts without loading the TypeScript compiler that check-env parses with', async () => {
    // It did: main.js imported every command up front, and TypeScript was most of serve's start-up.
    const hook = fileURLToPath(new URL('./fixtures/loaded-packages.cjs', import.meta.url));
    const env = { REALTIME_DATA_DIR: mkdtempSync(join(tmpdir(), 'rr-cli-')), REALTIME_PORT: '0', NODE_OPTIONS: `--require ${hook}` };
    running = await spawnGateway(['serve'], env, CLI, 'node');
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    const loaded = /loaded packages: (.*)/.exec(running.stderr.join(''))?.[1]?.split(',') ?? [];
    expect(loaded).toContain('ws');
    expect(loaded).not.toContain('typescript');
    const checked = await runCli(['check-env', '--help'], { NODE_OPTIONS: `--require ${hook}` });
    expect(/loaded packages: (.*)/.exec(checked.stderr)?.[1]?.split(',')).toContain('typescript');
  });

  it('check-config names every bad setting and exits non-zero', async () => {
    const file = writeConfigFile({ client: { allowed_origins: ['*', 'http://renum.com.br'], ping_interval: 25 }, http_api: { key: '' } });
    const result = await runCli(['check-config', '--config', file, '--env', 'production']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/invalid configuration/);
    expect(result.stderr).toMatch(/client\.allowed_origins\[0\]/);
    expect(result.stderr).toMatch(/client\.allowed_origins\[1\]/);
    expect(result.stderr).toMatch(/client\.ping_interval/);
    expect(result.stderr).toMatch(/http_api\.key/);
  });

  it('check-config prints the resolved config with secrets redacted', async () => {
    const file = writeConfigFile(deepMerge(baseTestConfig, { log: { level: 'info' } }));
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(0);
    const resolved = JSON.parse(result.stdout);
    expect(resolved.client.token.hmac_secret_key).toBe('<redacted>');
    expect(resolved.http_api.key).toBe('<redacted>');
    expect(result.stdout).not.toContain('test-secret');
  });

  it('check-origin says which rule decided', async () => {
    const file = writeConfigFile({ environments: { production: { client: { allowed_origins: ['https://renum.com.br', 'https://renum-*.vercel.app'], token: { hmac_secret_key: 's'.repeat(32) } }, http_api: { key: 'k' } } } });
    const allowed = await runCli(['check-origin', 'https://renum-pr-12.vercel.app', '--config', file, '--env', 'production']);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('https://renum-*.vercel.app');
    const denied = await runCli(['check-origin', 'https://evil.example', '--config', file, '--env', 'production']);
    expect(denied.code).toBe(1);
    expect(denied.stdout + denied.stderr).toContain('denied');
  });
});

describe('admin dashboard turned on by configuration', () => {
  it('serves /admin and its login when admin.enabled, and keeps it off otherwise', async () => {
    const on = writeConfigFile(deepMerge(baseTestConfig, { admin: { enabled: true, password: 'correct horse', secret: 's'.repeat(32) } }));
    running = await spawnGateway(['serve', '--config', on]);
    const base = running.url.replace('ws://', 'http://').replace(/\/connection\/websocket$/, '');
    const page = await fetch(`${base}/admin/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const login = (password: string) =>
      fetch(`${base}/admin/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: base }, body: JSON.stringify({ password }) });
    expect((await login('wrong')).status).toBe(401);
    const ok = await login('correct horse');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    running.child.kill('SIGKILL');

    running = await spawnGateway(['serve', '--config', writeConfigFile(baseTestConfig)]);
    const off = await fetch(`${running.url.replace('ws://', 'http://').replace(/\/connection\/websocket$/, '')}/admin/`);
    expect(off.status).toBe(404);
    expect(await off.text()).toContain('admin.enabled');
  });
});

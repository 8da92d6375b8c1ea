import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { writeConfigFile } from './support/gateway.js';
import { runCli, spawnGateway, type GatewayProcess } from './support/process.js';

/** The messages a new user meets in the first five minutes: each says what happened and what to do. */

let running: GatewayProcess | undefined;
afterEach(() => {
  running?.child.kill('SIGKILL');
  running = undefined;
});
const dataDir = () => mkdtempSync(join(tmpdir(), 'rr-first-run-'));

describe('first run', () => {
  it('opens the README\'s example namespaces to clients in the local profile only', () => {
    const local = loadConfig({ environ: {}, cwd: dataDir() });
    expect(local.channel.namespaces.map((ns) => [ns.name, ns.allow_subscribe_for_client])).toEqual([
      ['execution', true],
      ['notifications', true],
    ]);
    expect(local.channel.namespaces[0]).toMatchObject({ history_size: 100, force_recovery: true });
    expect(local.channel.namespaces[1]).toMatchObject({ allow_user_limited_channels: true });
    const staging = loadConfig({ environ: { REALTIME_TOKEN_SECRET: 's'.repeat(32), REALTIME_API_KEY: 'k' }, cwd: dataDir(), env: 'staging' });
    expect(staging.channel.namespaces).toEqual([]);
    expect(staging.channel.without_namespace.allow_subscribe_for_client).toBe(false);
  });

  it('says in one line which port is taken and how to pick another', async () => {
    running = await spawnGateway(['serve'], { REALTIME_DATA_DIR: dataDir(), REALTIME_PORT: '0' });
    const port = new URL(running.url).port;
    const second = await runCli(['serve', '--port', port], { REALTIME_DATA_DIR: dataDir() });
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split('\n')).toEqual([
      `renum-realtime: port ${port} on 127.0.0.1 is already in use (another renum-realtime, or \`npm start\` still running?) — stop that process, or pick another port: --port ${Number(port) + 1} or REALTIME_PORT=${Number(port) + 1}`,
    ]);
  });

  it('quotes a malformed argument as typed', async () => {
    const result = await runCli(['serve', '--port', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe('--port "abc": not a port number — give 0–65535, e.g. --port 8000');
    const unknown = await runCli(['serve', '--prot', '8000']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("'--prot'");
  });

  it('check-config says where each secret comes from, without printing it', async () => {
    const dir = dataDir();
    const env = { REALTIME_DATA_DIR: dir, REALTIME_API_KEY: 'api-key-from-the-environment' };
    const result = await runCli(['check-config'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).http_api.key).toBe('<redacted>');
    const lines = result.stderr.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^  client\\.token\\.hmac_secret_key +generated, kept in ${join(dir, 'local-hmac-secret')}$`)));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}http_api\.key +env REALTIME_API_KEY$/));
    expect(result.stdout + result.stderr).not.toContain('api-key-from-the-environment');

    const file = writeConfigFile({ admin: { password: 'password-from-the-file' }, environments: { local: { client: { token: { hmac_secret_key: 'secret-from-the-profile' } } } } });
    const fromFile = await runCli(['check-config', '--config', file], { REALTIME_DATA_DIR: dir });
    expect(fromFile.stderr.split('\n')).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^  admin\\.password +file ${file}$`)),
      expect.stringMatching(new RegExp(`^  client\\.token\\.hmac_secret_key +file ${file} \\(environments\\.local\\)$`)),
    ]));
    expect(fromFile.stdout + fromFile.stderr).not.toMatch(/password-from-the-file|secret-from-the-profile/);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newClient } from './support/client.js';
import { callApi, writeConfigFile } from './support/gateway.js';
import { runCli, spawnGateway, type GatewayProcess } from './support/process.js';

let running: GatewayProcess | undefined;
afterEach(() => {
  running?.child.kill('SIGKILL');
  running = undefined;
});

describe('notification inbox turned on by configuration', () => {
  it('serves notification_send and notifications.list from `renum-realtime serve`', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rr-inbox-cfg-'));
    const file = writeConfigFile({
      data_dir: dataDir,
      http_server: { port: 0 },
      http_api: { key: 'k' },
      client: { token: { hmac_secret_key: 'inbox-config-secret-inbox-config-secret' } },
      notifications: { enabled: true },
      channel: { namespaces: [{ name: 'notifications', allow_user_limited_channels: true, allow_subscribe_for_client: true }] },
    });
    running = await spawnGateway(['serve', '--config', file]);
    const apiUrl = running.url.replace('ws://', 'http://').replace(/\/connection\/websocket$/, '/api');
    const { id } = await callApi(apiUrl, 'notification_send', { user: 'ana', type: 'execution', title: 'Run 42 finished' }, 'k');
    const minted = await runCli(['token', '--user', 'ana', '--config', file]);
    const client = newClient(running.url, { token: minted.stdout.trim() });
    client.connect();
    await client.ready(3000);
    const { data } = await client.rpc('notifications.list', {});
    expect(data.items.map((n: { id: string; read_at: unknown }) => [n.id, n.read_at])).toEqual([[id, null]]);
    client.disconnect();
  });

  it('reports a database URL that is not postgres:// or sqlite: at start', async () => {
    const file = writeConfigFile({ notifications: { enabled: true, database_url: 'mysql://x' } });
    const result = await runCli(['check-config', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('notifications.database_url');
    expect(result.stderr).toContain('postgres://');
  });
});

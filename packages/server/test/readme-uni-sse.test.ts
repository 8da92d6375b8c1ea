import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './support/client.js';
import { spawnGateway, type GatewayProcess } from './support/process.js';

/**
 * The README's unidirectional `curl -N` example, run as written (the port aside) against the
 * gateway started the way the README says: if the README and the product drift apart, this fails.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const block = README.slice(README.indexOf('A unidirectional stream from the shell'));
const [startLine, curlLine] = /```sh\n(.*)\n(curl -N .*)\n```/.exec(block)!.slice(1) as [string, string];

let gateway: GatewayProcess;
let dataDir: string;
let port: number;

beforeAll(async () => {
  expect(startLine).toBe('REALTIME_UNI_SSE_ENABLED=true npm start');
  dataDir = mkdtempSync(join(tmpdir(), 'renum-readme-uni-'));
  // What `npm start` runs once built, in the local profile, with the variable the README sets.
  gateway = await spawnGateway(['serve'], { REALTIME_UNI_SSE_ENABLED: 'true', REALTIME_PORT: '0', REALTIME_DATA_DIR: dataDir, REALTIME_ENV: 'local' });
  port = Number(new URL(gateway.url).port);
});
afterAll(async () => {
  gateway.child.kill('SIGTERM');
  await gateway.exited;
});

describe('README: curl -N on uni_sse', () => {
  it('shows publications to execution:42 as they happen', async () => {
    const command = curlLine.replace('127.0.0.1:8000', `127.0.0.1:${port}`);
    const curl = spawn('bash', ['-c', command], { cwd: ROOT, env: { ...process.env, REALTIME_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    curl.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await until(() => out.includes('"connect"'), 15_000, 'the connect push on the stream');
      const key = readFileSync(join(dataDir, 'local-api-key'), 'utf8').trim();
      const response = await fetch(`http://127.0.0.1:${port}/api/publish`, {
        method: 'POST', headers: { 'X-API-Key': key }, body: JSON.stringify({ channel: 'execution:42', data: { type: 'execution_progress', progress: 40 } }),
      });
      expect(response.status).toBe(200);
      await until(() => out.includes('"pub"'), 5000, 'the publication on the stream');
      const pub = out.split('\n').filter((l) => l.startsWith('data: ') && l.includes('"pub"')).map((l) => JSON.parse(l.slice(6)))[0];
      expect(pub).toMatchObject({ channel: 'execution:42', pub: { data: { type: 'execution_progress', progress: 40 } } });
    } finally {
      curl.kill('SIGTERM');
    }
  }, 40_000);
});

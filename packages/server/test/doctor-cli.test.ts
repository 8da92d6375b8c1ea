import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/process.js';
import { startGateway, TEST_API_KEY, type TestGateway } from './support/gateway.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/check-env/${name}`, import.meta.url));

describe('renum-realtime doctor (built CLI)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ client: { ping_interval: '1s', pong_timeout: '500ms' } });
  });
  afterAll(() => gw.close());

  it('exits 0 with a JSON report when every step passes, the token coming from --token-command', async () => {
    const token = await gw.token('ci');
    const { code, stdout } = await runCli(['doctor', gw.url, '--token-command', `printf %s ${token}`, '--channel', 'ci-check', '--api-key', TEST_API_KEY, '--json']);
    const report = JSON.parse(stdout);
    expect(report.steps.filter((s: { status: string }) => s.status === 'fail')).toEqual([]);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.steps.map((s: { id: string }) => s.id)).toEqual(['url', 'dns', 'tcp', 'tls', 'upgrade', 'connect', 'subscribe', 'publish', 'ping']);
  });

  it('exits 1 and prints the failing step, its cause and its fix', async () => {
    const { code, stdout } = await runCli(['doctor', `${gw.url}/v2`, '--token', await gw.token('ci')]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/ 5\. FAIL {2}HTTP upgrade {2}[\d.]+ ms/);
    expect(stdout).toContain('problem: wrong_path');
    expect(stdout).toContain(`fix:     Use ${gw.url}`);
    expect(stdout).toContain('FAILED at "HTTP upgrade": wrong_path');
  });

  it('exits 1 when --token-command fails, and 2 on usage errors', async () => {
    const failed = await runCli(['doctor', gw.url, '--token-command', 'echo no secret >&2; exit 3']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('--token-command failed (3): no secret');
    expect((await runCli(['doctor'])).code).toBe(2);
    expect((await runCli(['doctor', gw.url, '--token', 'a', '--token-command', 'b'])).code).toBe(2);
    expect((await runCli(['doctor', gw.url, '--ping-wait', 'soon'])).code).toBe(2);
  });
});

describe('renum-realtime check-env (built CLI)', () => {
  it('exits 0 on a clean project and 1 when it finds errors', async () => {
    const clean = await runCli(['check-env', fixture('clean')]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('no findings');
    const broken = await runCli(['check-env', fixture('env-name-mismatch')]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('src/pages/_app.tsx:5  error env-var-undefined: NEXT_PUBLIC_WS_URL is read here');
    expect(broken.stdout).toContain('2 error(s), 0 warning(s)');
  });

  it('prints JSON with --json and exits 2 for a missing directory', async () => {
    const { stdout } = await runCli(['check-env', fixture('localhost-fallback'), '--json']);
    expect(JSON.parse(stdout).findings.map((f: { rule: string }) => f.rule)).toEqual(['hardcoded-ws-url', 'ws-url-fallback']);
    expect((await runCli(['check-env', fixture('no-such-project')])).code).toBe(2);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CENTRIFUGO_KEYS } from '../src/config/centrifugo-keys.js';
import { verdictFor } from '../src/config/centrifugo.js';
import { ConfigError } from '../src/config/errors.js';
import { loadConfig, type LoadConfigOptions } from '../src/config/load.js';
import { isPlainObject } from '../src/config/plain-objects.js';
import { redactConfig } from '../src/config/redact.js';
import { runCli } from './support/process.js';

/**
 * Centrifugo v6 configs load key by key: each key is honoured, or refused by name as not
 * supported. The configs here are written for this test with the keys of Centrifugo's own test
 * config (centrifuge-js `centrifugo_test.json`) and of the configuration docs' examples.
 */

const tempDir = () => mkdtempSync(join(tmpdir(), 'rr-centrifugo-'));
function writeJson(content: unknown, dir = tempDir()): string {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}
const load = (content: unknown, options: LoadConfigOptions = {}) => loadConfig({ environ: {}, cwd: tempDir(), file: writeJson(content), ...options });

function attempt(run: () => unknown): { problems: readonly string[]; config?: unknown } {
  try {
    return { problems: [], config: run() };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { problems: error.problems };
  }
}

/** Dotted paths of the scalars (and lists of scalars) in a config, with list items by index. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (isPlainObject(value)) return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
  if (Array.isArray(value) && value.some(isPlainObject)) return value.flatMap((item, i) => leafPaths(item, `${prefix}[${i}]`));
  return [prefix];
}

function valueAt(root: unknown, dotted: string): unknown {
  return dotted
    .split(/\.|\[(\d+)\]/)
    .filter((part) => part !== undefined && part !== '')
    .reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), root);
}

function deleteAt(root: Record<string, unknown>, dotted: string): void {
  const parts = dotted.split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== '');
  const parent = valueAt(root, parts.slice(0, -1).join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]')) as Record<string, unknown> | undefined;
  if (parent) delete parent[parts[parts.length - 1]!];
}

/** The keys of Centrifugo's test config (values our own). */
const LIKE_CENTRIFUGO_TEST_CONFIG = {
  client: { insecure: true, concurrency: 4, token: { hmac_secret_key: 'our-own-test-secret' } },
  log: { level: 'debug' },
  map_broker: {},
  shared_poll: { hmac_secret_key: 'another-secret' },
  proxies: [{ name: 'backend', endpoint: 'http://127.0.0.1:3999/refresh', timeout: '2s' }],
  http_api: { key: 'our-api-key' },
  channel: {
    without_namespace: { presence: true, allowed_delta_types: ['fossil'], delta_publish: true, history_size: 10, history_ttl: '60s', force_recovery: true },
    namespaces: [
      { name: 'keyed', subscription_type: 'map', map: { mode: 'ephemeral', key_ttl: '10s' }, allow_subscribe_for_client: true },
      { name: 'stream', force_recovery: true, history_size: 10, history_ttl: '60s', allow_subscribe_for_client: true, allow_publish_for_subscriber: true },
      { name: 'polled', subscription_type: 'shared_poll', shared_poll: { proxy_name: 'backend', refresh_interval: '1s' }, allow_subscribe_for_client: true },
    ],
  },
};

/** A typical v6 production config, as the configuration docs show the keys (values our own). */
const TYPICAL_V6 = {
  http_server: { port: '8100', tls: { enabled: false } },
  log: { level: 'info' },
  client: {
    token: { hmac_secret_key: 'k'.repeat(32), audience: 'app' },
    subscription_token: { enabled: true, hmac_secret_key: 's'.repeat(32) },
    allowed_origins: ['https://app.example.com'],
    subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: 'personal', single_connection: false },
    ping_interval: '25s',
    pong_timeout: 8_000_000_000,
  },
  http_api: { key: 'api-key' },
  admin: { enabled: true, password: 'admin-password', secret: 'a'.repeat(32), insecure: false },
  prometheus: { enabled: true },
  health: { enabled: true },
  websocket: { compression: true, decompressed_message_size_limit: 1_048_576, message_size_limit: '65536' },
  channel: { namespaces: [{ name: 'personal', presence: 'true' }] },
  grpc_api: { enabled: false },
  usage_stats: { disabled: true },
  http_stream: { enabled: true, max_request_body_size: 65_536 },
  sse: { enabled: true },
  emulation: { max_request_body_size: 65_536 },
  uni_sse: { enabled: false },
};

describe('every Centrifugo v6 config key is known', () => {
  it('classifies each key of the catalogue generated from Centrifugo\'s Go source', () => {
    expect(CENTRIFUGO_KEYS.length).toBeGreaterThan(1000);
    const unclassified = CENTRIFUGO_KEYS.map(([key]) => key).filter((key) => verdictFor(key) === undefined);
    expect(unclassified).toEqual([]);
    expect(verdictFor('prometheus.enabled')).toEqual({ kind: 'honoured' });
    expect(verdictFor('grpc_api.port')).toMatchObject({ kind: 'unsupported', alternative: expect.stringContaining('HTTP server API') });
  });

  it('loads a config with the keys of Centrifugo\'s test config: each honoured or named as not supported', () => {
    const { problems } = attempt(() => load(LIKE_CENTRIFUGO_TEST_CONFIG));
    expect(problems.filter((p) => !p.includes('not supported by Renum Realtime'))).toEqual([]);
    // Loading what remains shows that the honoured keys took effect.
    const refused = problems.map((p) => p.slice(0, p.indexOf(': ')));
    const isRefused = (path: string) => refused.some((r) => path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));
    const rest = structuredClone(LIKE_CENTRIFUGO_TEST_CONFIG) as Record<string, unknown>;
    for (const path of refused) deleteAt(rest, path);
    const honoured = load(rest);
    for (const path of leafPaths(LIKE_CENTRIFUGO_TEST_CONFIG).filter((p) => !isRefused(p))) {
      const durations: Record<string, number> = { history_ttl: 60_000, timeout: 2_000 };
      const duration = Object.entries(durations).find(([key]) => path.endsWith(key))?.[1];
      expect(valueAt(honoured, path), path).toEqual(duration ?? valueAt(LIKE_CENTRIFUGO_TEST_CONFIG, path));
    }
    expect(problems.some((p) => p.startsWith('map_broker')), 'an empty map_broker asks for nothing').toBe(false);
    for (const refused of ['client.concurrency', 'shared_poll', 'channel.namespaces[0].subscription_type', 'channel.namespaces[2].shared_poll']) {
      expect(problems.some((p) => p.startsWith(`${refused}: not supported by Renum Realtime — `)), refused).toBe(true);
    }
    // Fossil delta compression is honoured (the loop above checks the values took effect).
    expect(problems.some((p) => p.includes('delta'))).toBe(false);
    // Named HTTP proxies are honoured: the test config's one loads as it is.
    expect(problems.some((p) => p.startsWith('proxies'))).toBe(false);
  });

  it('loads a typical v6 config as it is, in Centrifugo\'s value forms, and exposes what it sets', () => {
    const config = load(TYPICAL_V6, { env: 'production' });
    expect(config.http_server.port).toBe(8100);
    expect(config.client.pong_timeout).toBe(8000);
    expect(config.websocket).toMatchObject({ compression: true, decompressed_message_size_limit: 1_048_576, message_size_limit: 65_536 });
    expect(config.prometheus).toEqual({ enabled: true, handler_prefix: '/metrics' });
    expect(config.health).toEqual({ enabled: true, handler_prefix: '/health' });
    expect(config.client.subscription_token).toMatchObject({ enabled: true, hmac_secret_key: 's'.repeat(32) });
    expect(config.client.subscribe_to_user_personal_channel).toEqual({ enabled: true, personal_channel_namespace: 'personal', single_connection: false });
    expect(config.channel.namespaces[0]!.presence).toBe(true);
    // A string key written as a number, as Centrifugo's loose decoding takes it.
    expect(load({ http_api: { key: 12345 } }).http_api.key).toBe('12345');
  });

  it('refuses a personal channel namespace that is not configured', () => {
    const { problems } = attempt(() => load({ ...TYPICAL_V6, channel: { namespaces: [] } }, { env: 'production' }));
    expect(problems).toEqual([expect.stringMatching(/^client\.subscribe_to_user_personal_channel\.personal_channel_namespace: "personal" is not in channel\.namespaces/)]);
  });

  it('refuses an unsupported key that asks for something, by name, with the alternative', () => {
    const { problems } = attempt(() => load({ ...TYPICAL_V6, admin: { ...TYPICAL_V6.admin, insecure: true }, grpc_api: { enabled: true, port: 10000 } }, { env: 'production' }));
    expect(problems).toEqual([
      expect.stringMatching(/^admin\.insecure: not supported by Renum Realtime — .*admin\.password/),
      expect.stringMatching(/^grpc_api: not supported by Renum Realtime — use the HTTP server API/),
    ]);
  });

  it('reads CENTRIFUGO_* variables beside REALTIME_*, and refuses two that disagree', () => {
    const environ = { CENTRIFUGO_CLIENT_PING_INTERVAL: '11s', CENTRIFUGO_HTTP_SERVER_PORT: '8200', CENTRIFUGO_WEBSOCKET_COMPRESSION: 'true' };
    const config = loadConfig({ environ, cwd: tempDir() });
    expect([config.client.ping_interval, config.http_server.port, config.websocket.compression]).toEqual([11_000, 8200, true]);
    // Go's ParseBool forms, and lists separated by spaces as Centrifugo reads them.
    const goForms = loadConfig({ environ: { CENTRIFUGO_CLIENT_INSECURE: '1', CENTRIFUGO_CLIENT_ALLOWED_ORIGINS: 'https://a.example https://b.example' }, cwd: tempDir() });
    expect([goForms.client.insecure, goForms.client.allowed_origins]).toEqual([true, ['https://a.example', 'https://b.example']]);
    const { problems } = attempt(() => loadConfig({ environ: { CENTRIFUGO_HTTP_API_KEY: 'a', REALTIME_HTTP_API_KEY: 'b' }, cwd: tempDir() }));
    expect(problems).toEqual([expect.stringMatching(/^CENTRIFUGO_HTTP_API_KEY \(http_api\.key\): .* conflicts with REALTIME_HTTP_API_KEY/)]);
    // A Centrifugo variable for what Renum Realtime does not do is refused by name, unless it is off.
    const unsupported = attempt(() => loadConfig({ environ: { CENTRIFUGO_GRPC_API_ENABLED: 'true', CENTRIFUGO_SWAGGER_ENABLED: 'false' }, cwd: tempDir() }));
    expect(unsupported.problems).toEqual([expect.stringMatching(/^CENTRIFUGO_GRPC_API_ENABLED \(grpc_api\.enabled\): not supported by Renum Realtime — use the HTTP server API/)]);
  });

  it('checks http_server.tls at load: files read, the key matches the certificate', () => {
    const dir = tempDir();
    const pair = (name: string) => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)], { stdio: 'ignore' });
      return { cert_pem: join(dir, `${name}.crt`), key_pem: join(dir, `${name}.key`) };
    };
    const a = pair('a');
    const b = pair('b');
    const withTls = load({ http_server: { tls: { enabled: true, ...a } } });
    expect(withTls.http_server.tls).toEqual({ enabled: true, ...a });
    expect((redactConfig(withTls).http_server as { tls: object }).tls).toEqual({ enabled: true, cert_pem: a.cert_pem, key_pem: '<redacted>' });
    expect(attempt(() => load({ http_server: { tls: { enabled: true, cert_pem: a.cert_pem, key_pem: b.key_pem } } })).problems).toEqual([
      expect.stringMatching(/^http_server\.tls\.key_pem: does not match the certificate/),
    ]);
    expect(attempt(() => load({ http_server: { tls: { enabled: true, cert_pem: join(dir, 'missing.crt') } } })).problems).toEqual([
      expect.stringMatching(/^http_server\.tls\.cert_pem: cannot read .*missing\.crt \(ENOENT\)/),
      expect.stringMatching(/^http_server\.tls\.key_pem: required when http_server\.tls\.enabled is true/),
    ]);
  });

  it('check-config --from-centrifugo explains key by key how a Centrifugo config maps', async () => {
    const file = writeJson(LIKE_CENTRIFUGO_TEST_CONFIG);
    const result = await runCli(['check-config', '--from-centrifugo', file]);
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}ok +client\.token\.hmac_secret_key +honoured/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}NO +client\.concurrency +not supported by Renum Realtime — /));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}off +map_broker +accepted because it is off/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}NO +channel\.namespaces\[0\]\.map +not supported/));
    expect(result.stdout).not.toContain('our-own-test-secret');
    expect(result.stderr).toMatch(/client\.concurrency: not supported by Renum Realtime/);

    const typical = await runCli(['check-config', '--from-centrifugo', writeJson(TYPICAL_V6), '--env', 'production']);
    expect(typical.stdout).toMatch(/0 not supported, 0 unknown\nthe file loads as it is\n$/);
    expect(typical.code).toBe(0);
  });
});

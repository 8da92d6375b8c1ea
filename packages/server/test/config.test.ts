import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCheckConfig } from '../src/cli/check-config.js';
import { listEnvVars } from '../src/config/env.js';
import { ConfigError } from '../src/config/errors.js';
import { loadConfig, type LoadConfigOptions } from '../src/config/load.js';
import { ensureLocalSecrets } from '../src/config/local-secrets.js';
import { redactConfig } from '../src/config/redact.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'rr-config-'));

function writeJson(content: unknown, dir = tempDir()): string {
  const file = join(dir, 'realtime.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

/** Loads with an empty environment unless given, from a fresh working directory. */
const load = (options: LoadConfigOptions = {}) => loadConfig({ environ: {}, cwd: tempDir(), ...options });
const loadFile = (content: unknown, options: LoadConfigOptions = {}) => load({ file: writeJson(content), ...options });

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

const PRODUCTION_READY = {
  client: { token: { hmac_secret_key: 's'.repeat(32) }, allowed_origins: ['https://renum.com.br'] },
  http_api: { key: 'api-key' },
};
const inProduction = (extra: object) => loadFile({ environment: 'production', ...PRODUCTION_READY, ...extra });

describe('loadConfig: defaults and sources', () => {
  it('resolves the small-deployment defaults in the local profile, frozen', () => {
    const cwd = tempDir();
    const config = loadConfig({ environ: {}, cwd });
    expect(config.environment).toBe('local');
    expect(config.http_server).toEqual({ address: '127.0.0.1', port: 8000, tls: { enabled: false }, trusted_proxies: [] });
    expect(config.data_dir).toBe(join(cwd, '.data'));
    expect(config.client.allowed_origins).toEqual(['http://localhost:*', 'http://127.0.0.1:*']);
    expect(config.client).toMatchObject({ ping_interval: 25_000, pong_timeout: 8_000, idle_timeout: 1_800_000, channel_limit: 128, queue_max_size: 1_048_576 });
    expect(config.client.command_rate_limit).toEqual({ per_second: 100, burst: 200, disconnect_after: 50 });
    expect(config.client.token).toEqual({ user_id_claim: 'sub' });
    expect(config.channel.without_namespace).toMatchObject({ history_ttl: 0, history_meta_ttl: 30 * 24 * 3_600_000, presence: false });
    expect(config.http_api).toEqual({ key: '', insecure: false, handler_prefix: '/api', allow_key_in_query: false });
    expect(config.shutdown.timeout).toBe(10_000);
    expect(Object.isFrozen(config.client.command_rate_limit)).toBe(true);
    expect(() => ((config.client as { insecure: boolean }).insecure = true)).toThrow(TypeError);
  });

  it('defaults allowed_origins to an empty list outside local', () => {
    const keys = { client: { token: { hmac_secret_key: 's'.repeat(32) } }, http_api: { key: 'k' } };
    expect(loadFile(keys, { env: 'staging' }).client.allowed_origins).toEqual([]);
    // Production refuses to start that way: every browser would be refused (below).
    expect(problemsOf(() => loadFile(keys, { env: 'production' }))).toEqual([
      'client.allowed_origins: empty in the production profile, so every browser would be refused — list your front end\'s origins, e.g. ["https://app.example.com"] (REALTIME_ALLOWED_ORIGINS)',
    ]);
  });

  it('refuses weak keys outside local: a short HMAC secret, a private key where a public one belongs', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    expect(problemsOf(() => loadFile({ client: { allowed_origins: ['https://a.example'], token: { hmac_secret_key: 'secret' } }, http_api: { key: 'k' } }, { env: 'staging' }))).toEqual([
      'client.token.hmac_secret_key: 6 bytes is too short in the staging profile — use at least 32 random bytes (openssl rand -base64 32)',
    ]);
    expect(problemsOf(() => loadFile({ client: { token: { rsa_public_key: privateKey } }, http_api: { key: 'k' } }, { env: 'staging' }))[0]).toMatch(/^client\.token\.rsa_public_key: is a private key — give the public key/);
    expect(loadFile({ client: { token: { hmac_secret_key: 'secret' } } }).client.token.hmac_secret_key).toBe('secret');
  });

  it('merges environments.<env> over the base: objects merge, arrays replace', () => {
    const file = {
      client: { allowed_origins: ['https://a.example', 'https://b.example'], ping_interval: '10s', token: { audience: 'web' } },
      channel: { namespaces: [{ name: 'news', history_size: 10 }, { name: 'chat' }] },
      environments: {
        production: { ...PRODUCTION_READY, channel: { namespaces: [{ name: 'alerts', history_ttl: '5m' }] } },
        local: { client: { ping_interval: '1s', pong_timeout: '500ms' } },
      },
    };
    const config = loadFile(file, { env: 'production' });
    expect(config.client.allowed_origins).toEqual(['https://renum.com.br']);
    expect(config.client.ping_interval).toBe(10_000);
    expect(config.client.token).toMatchObject({ audience: 'web', hmac_secret_key: 's'.repeat(32) });
    expect(config.channel.namespaces).toHaveLength(1);
    expect(config.channel.namespaces[0]).toMatchObject({ name: 'alerts', history_ttl: 300_000, history_meta_ttl: 2_592_000_000, presence: false });
    expect(loadFile(file).client.ping_interval).toBe(1_000);
  });

  it('chooses the environment by option, then REALTIME_ENV, then the file key, and rejects unknown names', () => {
    const file = writeJson({ environment: 'staging', environments: { staging: { client: { insecure: true } } }, ...PRODUCTION_READY });
    expect(load({ file }).environment).toBe('staging');
    expect(load({ file, environ: { REALTIME_ENV: 'local' } }).environment).toBe('local');
    expect(load({ file, env: 'production', environ: { REALTIME_ENV: 'local' } }).environment).toBe('production');
    expect(problemsOf(() => load({ file, environ: { REALTIME_ENV: 'prod' } }))).toEqual([
      'REALTIME_ENV: "prod" is not an environment — use one of local, staging, production',
    ]);
  });

  it('reads REALTIME_CONFIG when no file is named, and reports a missing or broken file', () => {
    const file = writeJson({ http_server: { port: 9100 } });
    expect(load({ environ: { REALTIME_CONFIG: file } }).http_server.port).toBe(9100);
    expect(problemsOf(() => load({ file: '/nonexistent/realtime.json' }))[0]).toMatch(/^--config: "\/nonexistent\/realtime.json": no such file — check the path/);
    expect(problemsOf(() => load({ environ: { REALTIME_CONFIG: '/nonexistent.json' } }))[0]).toMatch(/^REALTIME_CONFIG: /);
    expect(problemsOf(() => load({ file: writeJson('{"client": {,}}') }))[0]).toMatch(/not valid JSON/);
  });
});

describe('loadConfig: REALTIME_* variables', () => {
  it('overrides file values with typed long names, and --port wins over everything', () => {
    const file = writeJson({ http_server: { port: 9000 }, client: { ping_interval: '10s' } });
    const environ = {
      REALTIME_HTTP_SERVER_PORT: '9001',
      REALTIME_CLIENT_PING_INTERVAL: '1m30s',
      REALTIME_CLIENT_INSECURE: 'TRUE',
      REALTIME_CLIENT_ALLOWED_ORIGINS: 'https://a.example, https://b.example,',
      REALTIME_CLIENT_TOKEN_HMAC_SECRET_KEY: 'long-secret',
      REALTIME_CHANNEL_WITHOUT_NAMESPACE_HISTORY_SIZE: '50',
      REALTIME_LOG_LEVEL: 'debug',
    };
    const config = load({ file, environ });
    expect(config.http_server.port).toBe(9001);
    expect(config.client.ping_interval).toBe(90_000);
    expect(config.client.insecure).toBe(true);
    expect(config.client.allowed_origins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.client.token.hmac_secret_key).toBe('long-secret');
    expect(config.channel.without_namespace.history_size).toBe(50);
    expect(config.log.level).toBe('debug');
    expect(load({ file, environ, port: 0 }).http_server.port).toBe(0);
  });

  it('accepts the short names and JSON lists', () => {
    const cwd = tempDir();
    const config = loadConfig({
      cwd,
      environ: {
        REALTIME_PORT: '7000', REALTIME_ADDRESS: '0.0.0.0', REALTIME_API_KEY: 'k', REALTIME_TOKEN_SECRET: 't',
        REALTIME_ALLOWED_ORIGINS: '["https://x.example"]', REALTIME_DATA_DIR: 'state',
      },
    });
    expect(config.http_server).toEqual({ address: '0.0.0.0', port: 7000, tls: { enabled: false }, trusted_proxies: [] });
    expect(config.http_api.key).toBe('k');
    expect(config.client.token.hmac_secret_key).toBe('t');
    expect(config.client.allowed_origins).toEqual(['https://x.example']);
    expect(config.data_dir).toBe(join(cwd, 'state'));
  });

  it('names the variable in every problem', () => {
    const problems = problemsOf(() =>
      load({ environ: { REALTIME_HTTP_SERVER_PORT: 'abc', REALTIME_PORT: '70000', REALTIME_CLIENT_INSECURE: 'yes', REALTIME_ALLOWED_ORIGINS: '[1]', REALTIME_CLIENT_IDLE_TIMEOUT: '30' } }),
    );
    expect(problems).toEqual([
      'REALTIME_HTTP_SERVER_PORT (http_server.port): "abc" is not a number — set digits only, e.g. 8000',
      'REALTIME_CLIENT_INSECURE (client.insecure): "yes" is not a boolean — set true or false',
      'REALTIME_PORT (http_server.port): "70000" conflicts with REALTIME_HTTP_SERVER_PORT="abc" — set only one of them',
      'REALTIME_ALLOWED_ORIGINS (client.allowed_origins): "[1]" is not a JSON list of strings — set ["a","b"] or a comma-separated list a,b',
      'REALTIME_CLIENT_IDLE_TIMEOUT (client.idle_timeout): not a duration ("30") — write e.g. "25s", "5m", "1h30m" or "500ms"',
    ]);
    expect(problemsOf(() => load({ environ: { REALTIME_PORT: '70000' } }))).toEqual([
      'REALTIME_PORT (http_server.port): 70000 is above the maximum 65535 — use a value <= 65535',
    ]);
  });

  it('lists one variable per schema leaf, with the short names, and none for namespaces', () => {
    const vars = listEnvVars();
    const names = vars.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['REALTIME_CLIENT_TOKEN_HMAC_SECRET_KEY', 'REALTIME_HTTP_API_KEY', 'REALTIME_CLIENT_PING_INTERVAL',
      'REALTIME_HTTP_SERVER_PORT', 'REALTIME_CLIENT_COMMAND_RATE_LIMIT_BURST', 'REALTIME_CHANNEL_WITHOUT_NAMESPACE_CHANNEL_REGEX', 'REALTIME_PORT', 'REALTIME_TOKEN_SECRET']));
    expect(vars.find((v) => v.name === 'REALTIME_TOKEN_SECRET')?.path).toBe('client.token.hmac_secret_key');
    expect(names.filter((n) => n.includes('NAMESPACES'))).toEqual([]);
    for (const { name, path } of vars.filter((v) => v.name.startsWith('REALTIME_CLIENT_'))) {
      expect(name).toBe(`REALTIME_${path.replace(/\./g, '_').toUpperCase()}`);
    }
  });
});

describe('loadConfig: schema problems', () => {
  it('rejects unknown keys with a hint', () => {
    expect(problemsOf(() => loadFile({ client: { alowed_origins: [] }, token_hmac_secret_key: 'x', environments: { staging: { http_api: { kye: 'x' } } } }))).toEqual([
      'client.alowed_origins: unknown key — did you mean "allowed_origins"?',
      'environments.staging.http_api.kye: unknown key — did you mean "key"?',
      'token_hmac_secret_key: unknown key (a Centrifugo v5 name) — move it to client.token.hmac_secret_key',
    ]);
    expect(problemsOf(() => loadFile({ zzz: 1 }))[0]).toMatch(/^zzz: unknown key — remove it \(known keys: http_server, data_dir/);
  });

  it('rejects durations without a unit or in another form', () => {
    expect(problemsOf(() => loadFile({ client: { ping_interval: 25, pong_timeout: '8 seconds' }, shutdown: { timeout: '-1s' } }))).toEqual([
      'client.ping_interval: a duration needs a unit (25) — write it as a string, e.g. "25s" or "25ms" (Centrifugo would read 25 as nanoseconds)',
      'client.pong_timeout: not a duration ("8 seconds") — write e.g. "25s", "5m", "1h30m" or "500ms"',
      'shutdown.timeout: not a duration ("-1s") — write e.g. "25s", "5m", "1h30m" or "500ms"',
    ]);
    expect(loadFile({ client: { ping_interval: '1h30m', pong_timeout: '500ms', idle_timeout: '1.5h' } }).client).toMatchObject({ ping_interval: 5_400_000, pong_timeout: 500, idle_timeout: 5_400_000 });
  });

  it('checks keys, regexes, URLs, prefixes, ports and namespace names', () => {
    const problems = problemsOf(() =>
      loadFile({
        http_server: { port: 65536 },
        websocket: { handler_prefix: 'ws' },
        client: { token: { rsa_public_key: 'not a pem', jwks_public_endpoint: 'ftp://keys.example' } },
        channel: { namespaces: [{ name: 'ok', channel_regex: '(' }, { name: 'bad name' }, { name: 'ok' }] },
      }),
    );
    expect(problems).toHaveLength(7);
    expect(problems).toEqual(expect.arrayContaining([
      'http_server.port: 65536 is above the maximum 65535 — use a value <= 65535',
      'websocket.handler_prefix: must start with "/" ("ws") — write e.g. "/ws"',
      'client.token.jwks_public_endpoint: is not an http(s) URL ("ftp://keys.example") — write e.g. "https://auth.example.com/.well-known/jwks.json"',
      'channel.namespaces[1].name: is not a valid namespace name ("bad name") — use letters, digits, "-", "_" or "."',
      'channel.namespaces[2].name: duplicate namespace ("ok") — give each namespace a unique name',
    ]));
    expect(problems.find((p) => p.startsWith('client.token.rsa_public_key: is not a PEM public key'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('channel.namespaces[0].channel_regex: does not compile ("(")'))).toBeDefined();
  });

  it('accepts real PEM keys, with literal \\n as env vars carry them, and refuses a key of the other type', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const config = load({ environ: { REALTIME_CLIENT_TOKEN_RSA_PUBLIC_KEY: rsa.replace(/\n/g, '\\n'), REALTIME_CLIENT_TOKEN_ECDSA_PUBLIC_KEY: ec } });
    expect(config.client.token.rsa_public_key).toBe(rsa);
    expect(problemsOf(() => loadFile({ client: { token: { ecdsa_public_key: rsa } } }))).toEqual([
      'client.token.ecdsa_public_key: is a rsa key, not ECDSA — use the matching key field',
    ]);
  });
});

describe('loadConfig: profile rules', () => {
  it.each([
    ['*', 'allows every host'], ['https://*', 'allows every host'], ['*://*', 'allows every host'], ['https://*.*', 'allows every host'],
    ['http://renum.com.br', 'is not https'], ['*.renum.com.br', 'is not https'],
  ])('production refuses %s unless allow_unsafe_origins', (origin, what) => {
    const origins = ['https://renum.com.br', 'https://renum-*.vercel.app', origin];
    const [problem] = problemsOf(() => inProduction({ client: { ...PRODUCTION_READY.client, allowed_origins: origins } }));
    expect(problem).toBe(`client.allowed_origins[2]: ${JSON.stringify(origin)} ${what} in the production profile — ${
      what === 'is not https' ? 'use https://' : 'list your origins (e.g. "https://app.example.com")'} or set client.allow_unsafe_origins: true`);
    const allowed = inProduction({ client: { ...PRODUCTION_READY.client, allowed_origins: origins, allow_unsafe_origins: true } });
    expect(allowed.client.allowed_origins).toEqual(origins);
    expect(loadFile({ client: { allowed_origins: origins } }, { env: 'local' }).client.allowed_origins).toEqual(origins);
  });

  it('refuses origins that can never match a browser Origin, in every profile', () => {
    expect(problemsOf(() => loadFile({ client: { allowed_origins: ['https://renum.com.br/', 'renum.com.br', ''] } }))).toEqual([
      'client.allowed_origins[0]: "https://renum.com.br/" has a path, but an Origin is only scheme://host[:port] — write "https://renum.com.br"',
      'client.allowed_origins[1]: "renum.com.br" has no scheme, so no Origin can match it — write "https://renum.com.br"',
      'client.allowed_origins[2]: "" is empty — remove it',
    ]);
  });

  it('refuses client.insecure and http_api.insecure in production', () => {
    expect(problemsOf(() => inProduction({ client: { ...PRODUCTION_READY.client, insecure: true }, http_api: { insecure: true } }))).toEqual([
      'client.insecure: true is refused in the production profile (it turns off permission checks) — remove it',
      'http_api.insecure: true is refused in the production profile — remove it and set http_api.key (REALTIME_API_KEY)',
    ]);
  });

  it('requires a token key and an API key in staging and production, with the documented escapes', () => {
    for (const env of ['staging', 'production']) {
      expect(problemsOf(() => loadFile({ client: { allowed_origins: ['https://a.example'] } }, { env }))).toEqual([
        `client.token: no token key in the ${env} profile — set client.token.hmac_secret_key (REALTIME_TOKEN_SECRET), rsa_public_key, ecdsa_public_key or jwks_public_endpoint, or set client.allow_anonymous_connect_without_token: true`,
        `http_api.key: empty in the ${env} profile — set http_api.key (REALTIME_API_KEY)${env === 'staging' ? ', or set http_api.insecure: true' : ''}`,
      ]);
    }
    const open = loadFile({ client: { allow_anonymous_connect_without_token: true }, http_api: { insecure: true } }, { env: 'staging' });
    expect(open.http_api.insecure).toBe(true);
    expect(loadFile({ client: { allowed_origins: ['https://a.example'], token: { jwks_public_endpoint: 'https://auth.example/jwks' } }, http_api: { key: 'k' } }, { env: 'production' }).environment).toBe('production');
  });

  it('reports schema and profile problems together', () => {
    const problems = problemsOf(() => loadFile({ client: { allowed_origins: ['*', 'http://renum.com.br'], ping_interval: 25 }, http_api: { key: '' } }, { env: 'production' }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['client.ping_interval', 'client.allowed_origins[0]', 'client.allowed_origins[1]', 'client.token', 'http_api.key']);
  });
});

describe('ensureLocalSecrets', () => {
  it('creates owner-only secrets under data_dir once, then reuses them', () => {
    const cwd = tempDir();
    const first = ensureLocalSecrets(loadConfig({ environ: {}, cwd }));
    const { hmacSecretFile, apiKeyFile } = first.generated;
    expect(hmacSecretFile).toBe(join(cwd, '.data', 'local-hmac-secret'));
    expect(apiKeyFile).toBe(join(cwd, '.data', 'local-api-key'));
    for (const file of [hmacSecretFile!, apiKeyFile!]) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.config.client.token.hmac_secret_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(hmacSecretFile!, 'utf8').trim()).toBe(first.config.client.token.hmac_secret_key);
    expect(first.config.http_api.key).not.toBe(first.config.client.token.hmac_secret_key);
    expect(Object.isFrozen(first.config.client.token)).toBe(true);

    const second = ensureLocalSecrets(loadConfig({ environ: {}, cwd }));
    expect(second.config.client.token.hmac_secret_key).toBe(first.config.client.token.hmac_secret_key);
    expect(second.config.http_api.key).toBe(first.config.http_api.key);
  });

  it('leaves configured keys and other profiles alone', () => {
    const configured = load({ environ: { REALTIME_TOKEN_SECRET: 'mine', REALTIME_API_KEY: 'key' } });
    expect(ensureLocalSecrets(configured)).toEqual({ config: configured, generated: {} });
    const staging = loadFile({ client: { allow_anonymous_connect_without_token: true }, http_api: { insecure: true } }, { env: 'staging' });
    expect(ensureLocalSecrets(staging).config).toBe(staging);
  });
});

describe('redactConfig', () => {
  it('hides secrets and URL passwords, keeps public keys and unset secrets visible', () => {
    const config = load({ environ: { REALTIME_TOKEN_SECRET: 'hmac-secret', REALTIME_CLIENT_TOKEN_HMAC_PREVIOUS_SECRET_KEY: 'old-secret', REALTIME_CLIENT_TOKEN_JWKS_PUBLIC_ENDPOINT: 'https://auth.example/jwks' } });
    const redacted = redactConfig({ ...config, redis: { url: 'redis://default:hunter2@redis:6379/0', password: 'p' }, admin: { password: 'x', secret: 'y' } }) as any;
    expect(redacted.client.token).toMatchObject({ hmac_secret_key: '<redacted>', hmac_previous_secret_key: '<redacted>', jwks_public_endpoint: 'https://auth.example/jwks' });
    expect(redacted.http_api.key).toBe('');
    expect(redacted.redis).toEqual({ url: 'redis://default:<redacted>@redis:6379/0', password: '<redacted>' });
    expect(redacted.admin).toEqual({ password: '<redacted>', secret: '<redacted>' });
    expect(JSON.stringify(redacted)).not.toMatch(/hmac-secret|old-secret|hunter2/);
    expect(config.client.token.hmac_secret_key).toBe('hmac-secret');
  });
});

describe('runCheckConfig', () => {
  let out = '';
  let err = '';
  afterEach(() => vi.restoreAllMocks());
  function capture() {
    out = err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  }

  it('prints the redacted resolved config and exits 0', async () => {
    capture();
    const file = writeJson({ client: { token: { hmac_secret_key: 'topsecret' } }, http_api: { key: 'api-secret' } });
    expect(await runCheckConfig(['--config', file, '--port', '8123'])).toBe(0);
    const printed = JSON.parse(out);
    expect(printed.http_server.port).toBe(8123);
    expect(printed.client.token.hmac_secret_key).toBe('<redacted>');
    expect(out).not.toMatch(/topsecret|api-secret/);
  });

  it('lists every problem on stderr and exits 1', async () => {
    capture();
    const file = writeJson({ client: { ping_interval: 25 } });
    expect(await runCheckConfig(['--config', file, '--env', 'production'])).toBe(1);
    expect(err.split('\n')[0]).toBe('invalid configuration (4 problems):');
    expect(err).toContain('client.ping_interval: a duration needs a unit (25)');
    expect(err).toContain('client.allowed_origins: empty in the production profile');
    expect(out).toBe('');
  });

  it('exits 2 on unknown flags or a bad --port, and prints the variables with --env-vars', async () => {
    capture();
    expect(await runCheckConfig(['--bogus'])).toBe(2);
    expect(err).toMatch(/Unknown option '--bogus'/);
    expect(await runCheckConfig(['--port', 'eighty'])).toBe(2);
    expect(await runCheckConfig(['--env-vars'])).toBe(0);
    expect(out).toMatch(/^REALTIME_CLIENT_PING_INTERVAL\s+client\.ping_interval/m);
    expect(out).toMatch(/^REALTIME_TOKEN_SECRET\s+client\.token\.hmac_secret_key\s+short for REALTIME_CLIENT_TOKEN_HMAC_SECRET_KEY$/m);
  });
});

describe('ping and pong', () => {
  it('refuses a pong timeout that is not shorter than the ping interval, as Centrifugo does', () => {
    expect(problemsOf(() => loadFile({ client: { ping_interval: '5s', pong_timeout: '5s' } }))).toEqual([
      'client.pong_timeout: 5s is not shorter than client.ping_interval (5s) — make it shorter, e.g. a third of it',
    ]);
  });
});

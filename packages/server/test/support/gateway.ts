import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { mintToken } from '../../src/auth/mint.js';
import { loadConfig } from '../../src/config/load.js';
import type { GatewayExtension } from '../../src/extension.js';
import { Gateway, type GatewayOptions } from '../../src/gateway.js';
import { createLogger } from '../../src/log.js';
import type { RpcHandler } from '../../src/core/index.js';

export const TEST_SECRET = 'test-secret-test-secret-test-secret';
export const TEST_API_KEY = 'test-api-key';

/** A config file body: Centrifugo v6 keys, deep-merged over the test defaults (null removes a key). */
export type ConfigFile = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepMerge(base: ConfigFile, over: ConfigFile): ConfigFile {
  const out: ConfigFile = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) {
      delete out[key];
      continue;
    }
    out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key] as ConfigFile, value) : value;
  }
  return out;
}

export const baseTestConfig: ConfigFile = {
  http_server: { address: '127.0.0.1', port: 0 },
  log: { level: process.env.TEST_LOG_LEVEL ?? 'silent' },
  client: { token: { hmac_secret_key: TEST_SECRET } },
  http_api: { key: TEST_API_KEY },
  channel: {
    without_namespace: { allow_subscribe_for_client: true, allow_publish_for_client: true, presence: true, join_leave: true, allow_presence_for_subscriber: true },
    namespaces: [
      { name: 'news', history_size: 100, history_ttl: '300s', force_recovery: true, allow_subscribe_for_client: true, allow_history_for_subscriber: true },
      { name: 'chat', presence: true, join_leave: true, force_push_join_leave: true, allow_subscribe_for_client: true, allow_publish_for_subscriber: true, allow_presence_for_subscriber: true, history_size: 10, history_ttl: '60s', allow_history_for_subscriber: true },
      { name: 'notifications', allow_user_limited_channels: true },
      { name: 'private', presence: true },
    ],
  },
};

export function writeConfigFile(config: ConfigFile): string {
  const dir = mkdtempSync(join(tmpdir(), 'renum-realtime-test-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(deepMerge({ data_dir: join(dir, 'data') }, config)));
  return file;
}

export interface TestGateway {
  gateway: Gateway;
  url: string;
  apiUrl: string;
  token(user: string, options?: { ttlSeconds?: number; channels?: string[]; info?: unknown }): Promise<string>;
  subscriptionToken(user: string, channel: string, ttlSeconds?: number): Promise<string>;
  api<T = any>(method: string, body: unknown): Promise<T>;
  /** Parsed log lines, when started with `captureLogs`. */
  logs: Array<Record<string, any>>;
  close(): Promise<void>;
}

function logCollector(into: Array<Record<string, any>>): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) into.push(JSON.parse(line));
      done();
    },
  });
}

export async function startGateway(
  overrides: ConfigFile = {},
  rpc?: Record<string, RpcHandler>,
  options: { captureLogs?: boolean; env?: string; extensions?: GatewayExtension[]; engine?: Pick<GatewayOptions, 'broker' | 'presence' | 'control'> } = {},
): Promise<TestGateway> {
  const file = writeConfigFile(deepMerge(baseTestConfig, overrides));
  const config = loadConfig({ file, environ: {}, ...(options.env ? { env: options.env } : {}) });
  const logs: Array<Record<string, any>> = [];
  const log = options.captureLogs ? createLogger('info', logCollector(logs)) : createLogger(config.log.level);
  const gateway = await Gateway.start({ config, log, ...(rpc ? { rpc } : {}), ...(options.extensions ? { extensions: options.extensions } : {}), ...options.engine });
  const secret = config.client.token.hmac_secret_key ?? TEST_SECRET;
  return {
    gateway,
    url: gateway.webSocketUrl,
    apiUrl: gateway.apiUrl,
    token: (user, options = {}) => mintToken(secret, { user, ...options }),
    subscriptionToken: (user, channel, ttlSeconds) => mintToken(secret, { user, channel, ...(ttlSeconds ? { ttlSeconds } : {}) }),
    api: (method, body) => callApi(gateway.apiUrl, method, body),
    logs,
    close: () => gateway.close(),
  };
}

export async function callApi<T = any>(apiUrl: string, method: string, body: unknown, apiKey = TEST_API_KEY): Promise<T> {
  const response = await fetch(`${apiUrl}/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-Key': apiKey },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { result?: T; error?: { code: number; message: string } };
  if (json.error) throw Object.assign(new Error(json.error.message), { code: json.error.code });
  return json.result as T;
}

/** Starts gateways on demand and closes them all after the file's tests. */
export function gatewayPool(afterAll: (fn: () => Promise<void>) => void): (config?: ConfigFile) => Promise<TestGateway> {
  const opened: TestGateway[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((gw) => gw.close()));
  });
  return async (config = {}) => {
    const gw = await startGateway(config);
    opened.push(gw);
    return gw;
  };
}

import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import { deepFreeze } from './plain-objects.js';
import { hasTokenKey } from './rules.js';
import type { RealtimeConfig } from './types.js';

export interface LocalSecretFiles {
  /** Where the HMAC secret in use is kept (created now or by an earlier run). */
  hmacSecretFile?: string;
  /** Where the API key in use is kept (created now or by an earlier run). */
  apiKeyFile?: string;
}

/**
 * The local profile runs with no setup: when no token key or API key is configured, one is
 * generated once and kept under data_dir, so that `renum-realtime token` and the server agree
 * across restarts. Other profiles are returned unchanged; their validation demands real keys.
 */
export function ensureLocalSecrets(config: RealtimeConfig): { config: RealtimeConfig; generated: LocalSecretFiles } {
  if (config.environment !== 'local') return { config, generated: {} };
  const needsHmac = !hasTokenKey(config.client.token);
  const needsApiKey = config.http_api.key === '' && !config.http_api.insecure;
  if (!needsHmac && !needsApiKey) return { config, generated: {} };

  const filled = structuredClone(config) as { -readonly [K in keyof RealtimeConfig]: RealtimeConfig[K] };
  const generated: LocalSecretFiles = {};
  if (needsHmac) {
    generated.hmacSecretFile = join(config.data_dir, 'local-hmac-secret');
    filled.client.token.hmac_secret_key = keptSecret(config.data_dir, generated.hmacSecretFile);
  }
  if (needsApiKey) {
    generated.apiKeyFile = join(config.data_dir, 'local-api-key');
    filled.http_api.key = keptSecret(config.data_dir, generated.apiKeyFile);
  }
  return { config: deepFreeze(filled), generated };
}

/** A secret kept in `file` under the data directory, created (owner-only) the first time. */
export function keptSecret(dataDir: string, file: string): string {
  try {
    const existing = readSecret(file);
    if (existing) return existing;
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(32).toString('base64url');
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      // Another process (a second `serve`, or `token`) created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readSecret(file) ?? secret;
      throw err;
    }
    return secret;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError([
      `data_dir: cannot keep the local secret in ${file} (${code}) — make ${dataDir} writable, or set client.token.hmac_secret_key and http_api.key`,
    ]);
  }
}

/** The secret in `file`, made owner-only if it was not; undefined when missing or empty. */
function readSecret(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!text) return undefined;
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return text;
}

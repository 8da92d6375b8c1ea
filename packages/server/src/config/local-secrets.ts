import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RealtimeConfig } from './types.js';

export interface GeneratedSecrets {
  hmacSecretFile?: string;
  apiKeyFile?: string;
}

/** Reads a secret kept in the data directory, creating it (owner-only) the first time. */
function keptSecret(dataDir: string, name: string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * The local profile works with no setup: a token secret and an API key are generated once and
 * kept under the data directory, so `renum-realtime token` and the server agree. Other profiles
 * are left as configured (their validation demands real keys).
 */
export function ensureLocalSecrets(config: RealtimeConfig): { config: RealtimeConfig; generated: GeneratedSecrets } {
  if (config.environment !== 'local') return { config, generated: {} };
  const token = config.client.token;
  const generated: GeneratedSecrets = {};
  const hasKey = Boolean(token.hmac_secret_key || token.rsa_public_key || token.ecdsa_public_key || token.jwks_public_endpoint);
  let hmac = token.hmac_secret_key;
  if (!hasKey) {
    hmac = keptSecret(config.data_dir, 'local-hmac-secret');
    generated.hmacSecretFile = join(config.data_dir, 'local-hmac-secret');
  }
  let apiKey = config.http_api.key;
  if (apiKey === '' && !config.http_api.insecure) {
    apiKey = keptSecret(config.data_dir, 'local-api-key');
    generated.apiKeyFile = join(config.data_dir, 'local-api-key');
  }
  if (!generated.hmacSecretFile && !generated.apiKeyFile) return { config, generated };
  const filled: RealtimeConfig = {
    ...config,
    client: { ...config.client, token: { ...token, ...(hmac ? { hmac_secret_key: hmac } : {}) } },
    http_api: { ...config.http_api, key: apiKey },
  };
  return { config: Object.freeze(filled), generated };
}

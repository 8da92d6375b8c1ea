import { join } from 'node:path';
import type { ConfigSources } from './load.js';
import type { LocalSecretFiles } from './local-secrets.js';
import { isSecretKey } from './redact.js';
import { schemaLeaves } from './schema-walk.js';
import { configSchema } from './schema.js';
import type { RealtimeConfig } from './types.js';

export interface SecretSource {
  /** Dotted config path, e.g. `http_api.key`. */
  key: string;
  /** `generated, kept in …`, `env REALTIME_API_KEY`, `file config.json`, or `not set`. */
  from: string;
}

/**
 * Where every secret in the resolved config comes from, never the value itself: what
 * `check-config` prints so that "which key is the server using?" has an answer without a leak.
 */
export function secretSources(config: RealtimeConfig, sources: ConfigSources, generated: LocalSecretFiles): SecretSource[] {
  const generatedAt: Record<string, string | undefined> = {
    'client.token.hmac_secret_key': generated.hmacSecretFile,
    'http_api.key': generated.apiKeyFile,
    // The admin extension keeps this one itself, when the dashboard starts.
    'admin.password':
      config.environment === 'local' && config.admin.enabled && !config.admin.password ? join(config.data_dir, 'local-admin-password') : undefined,
  };
  return schemaLeaves(configSchema)
    .filter((leaf) => leaf.kind === 'string' && isSecretKey(leaf.path[leaf.path.length - 1]!))
    .map((leaf) => {
      const key = leaf.path.join('.');
      const file = generatedAt[key];
      if (file) return { key, from: `generated, kept in ${file}` };
      const set = sources.get(key);
      if (set) return { key, from: set };
      return { key, from: valueAt(config, leaf.path) ? 'default' : 'not set' };
    });
}

function valueAt(config: object, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), config);
}

import { configSchema } from './schema.js';

export interface EnvVar {
  name: string;
  /** Dotted config path it sets. */
  path: string;
}

const PREFIX = 'REALTIME_';

/** Settings with no default, so absent from the defaults walk. */
const OPTIONAL_PATHS = [
  'client.token.hmac_secret_key',
  'client.token.hmac_previous_secret_key',
  'client.token.rsa_public_key',
  'client.token.ecdsa_public_key',
  'client.token.jwks_public_endpoint',
  'client.token.audience',
  'client.token.issuer',
  'client.allowed_origins',
];

/** Short names for what people set most. */
export const ENV_ALIASES: Record<string, string> = {
  REALTIME_PORT: 'http_server.port',
  REALTIME_ADDRESS: 'http_server.address',
  REALTIME_API_KEY: 'http_api.key',
  REALTIME_TOKEN_SECRET: 'client.token.hmac_secret_key',
  REALTIME_ALLOWED_ORIGINS: 'client.allowed_origins',
  REALTIME_DATA_DIR: 'data_dir',
  REALTIME_LOG_LEVEL: 'log.level',
};

function leafPaths(value: unknown, path: string[] = []): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [path.join('.')];
  // Namespaces are a list of objects: set them in the config file.
  return Object.entries(value).flatMap(([key, child]) => (key === 'namespaces' ? [] : leafPaths(child, [...path, key])));
}

const defaults = configSchema.parse({});

/** Every `REALTIME_*` variable, derived from the schema's own shape. */
export function listEnvVars(): EnvVar[] {
  const paths = [...new Set([...leafPaths(defaults), ...OPTIONAL_PATHS])].sort();
  const full = paths.map((path) => ({ name: PREFIX + path.replace(/\./g, '_').toUpperCase(), path }));
  const aliases = Object.entries(ENV_ALIASES).map(([name, path]) => ({ name, path }));
  return [...full, ...aliases];
}

function defaultAt(path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], defaults);
}

/** Turns a variable's text into the type its setting has; the schema reports what still does not fit. */
function coerce(path: string, text: string): unknown {
  const fallback = defaultAt(path);
  if (path === 'client.allowed_origins') {
    return text.trim().startsWith('[') ? JSON.parse(text) : text.split(',').map((s) => s.trim()).filter(Boolean);
  }
  if (typeof fallback === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (typeof fallback === 'number' && /^-?\d+(\.\d+)?$/.test(text.trim())) return Number(text);
  return text;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

/** Applies every `REALTIME_*` variable present to a raw config object; returns problems found. */
export function applyEnvOverrides(raw: Record<string, unknown>, environ: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  for (const { name, path } of listEnvVars()) {
    const text = environ[name];
    if (text === undefined || text === '') continue;
    try {
      setPath(raw, path, coerce(path, text));
    } catch {
      problems.push(`${name}: ${JSON.stringify(text)} is not a comma-separated list or a JSON array`);
    }
  }
  return problems;
}

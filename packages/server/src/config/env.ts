import { unsupportedEnvProblems } from './centrifugo.js';
import { formatPath, showValue } from './problems.js';
import { schemaLeaves, type LeafKind } from './schema-walk.js';
import { configSchema } from './schema.js';
import { setIn, type PlainObject } from './plain-objects.js';

/**
 * `REALTIME_*` overrides. Every scalar or string-list key of the schema is a variable named
 * `REALTIME_` + its path upper-cased with `.` → `_` (client.ping_interval →
 * REALTIME_CLIENT_PING_INTERVAL), and also `CENTRIFUGO_` + the same, as Centrifugo v6 names it
 * (CENTRIFUGO_CLIENT_PING_INTERVAL), so an existing deployment's environment carries over. `channel.namespaces` is a list of objects and has no variable:
 * set namespaces in the config file. An empty variable counts as unset.
 */

export interface EnvVar {
  name: string;
  path: string;
  description?: string;
}

interface Binding {
  name: string;
  path: string[];
  kind: LeafKind;
  description?: string;
}

const PREFIX = 'REALTIME_';
const CENTRIFUGO_PREFIX = 'CENTRIFUGO_';

const SHORT_NAMES: ReadonlyArray<readonly [name: string, path: string]> = [
  ['REALTIME_PORT', 'http_server.port'],
  ['REALTIME_ADDRESS', 'http_server.address'],
  ['REALTIME_API_KEY', 'http_api.key'],
  ['REALTIME_TOKEN_SECRET', 'client.token.hmac_secret_key'],
  ['REALTIME_ALLOWED_ORIGINS', 'client.allowed_origins'],
  ['REALTIME_DATA_DIR', 'data_dir'],
  ['REALTIME_LOG_LEVEL', 'log.level'],
  ['REALTIME_DATABASE_URL', 'notifications.database_url'],
  ['REALTIME_REDIS_URL', 'engine.redis.address'],
];

export const envVarName = (path: readonly string[]) => PREFIX + path.join('_').toUpperCase();

let cachedBindings: Binding[] | undefined;

/** Long names first, so that a short name is checked against the long one it abbreviates. */
function bindings(): Binding[] {
  if (cachedBindings) return cachedBindings;
  const long = schemaLeaves(configSchema).map((leaf): Binding => ({ ...leaf, name: envVarName(leaf.path) }));
  const short = SHORT_NAMES.filter(([name]) => !long.some((b) => b.name === name)).map(([name, dotted]): Binding => {
    const target = long.find((b) => b.path.join('.') === dotted);
    if (!target) throw new Error(`short env var ${name} points at unknown key ${dotted}`);
    return { ...target, name, description: `short for ${target.name}` };
  });
  const centrifugo = long.map((b): Binding => ({ ...b, name: CENTRIFUGO_PREFIX + b.name.slice(PREFIX.length), description: `Centrifugo's name for ${b.name}` }));
  cachedBindings = [...long, ...centrifugo, ...short];
  return cachedBindings;
}

export function listEnvVars(): EnvVar[] {
  return [
    { name: 'REALTIME_CONFIG', path: '--config', description: 'JSON config file to read' },
    { name: 'REALTIME_ENV', path: 'environment', description: 'profile: local, staging or production' },
    ...bindings()
      .filter(({ name }) => !name.startsWith(CENTRIFUGO_PREFIX))
      .map(({ name, path, description }) =>
      description === undefined ? { name, path: path.join('.') } : { name, path: path.join('.'), description },
    ),
  ];
}

type Coerced = { value: unknown } | { problem: string };

const GO_BOOLEANS: Record<string, boolean> = Object.fromEntries([
  ...['1', 't', 'T', 'true', 'TRUE', 'True'].map((text) => [text, true]),
  ...['0', 'f', 'F', 'false', 'FALSE', 'False'].map((text) => [text, false]),
]);

function coerce(raw: string, kind: LeafKind): Coerced {
  const text = raw.trim();
  switch (kind) {
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text) ? { value: Number(text) } : { problem: `${showValue(raw)} is not a number — set digits only, e.g. 8000` };
    case 'boolean': {
      // Go's strconv.ParseBool, which Centrifugo uses: 1/0, t/f, true/false in any of three cases.
      const parsed = GO_BOOLEANS[text];
      return parsed === undefined ? { problem: `${showValue(raw)} is not a boolean — set true or false` } : { value: parsed };
    }
    case 'string[]':
      // Comma-separated, or space-separated as Centrifugo reads lists.
      return text.startsWith('[') ? parseJsonList(text) : { value: text.split(/[\s,]+/).filter(Boolean) };
    case 'string':
      return { value: raw };
  }
}

function parseJsonList(text: string): Coerced {
  try {
    const list: unknown = JSON.parse(text);
    if (Array.isArray(list) && list.every((item) => typeof item === 'string')) return { value: list };
  } catch {
    // reported below
  }
  return { problem: `${showValue(text)} is not a JSON list of strings — set ["a","b"] or a comma-separated list a,b` };
}

export interface EnvOverlay {
  /** Nested like the config file, values coerced to the key's type, not yet validated. */
  values: PlainObject;
  problems: string[];
  /** Names a config path for problems: the variable that set it, and the key. */
  label(path: readonly PropertyKey[]): string;
  /** The variable that set the key at this dotted path, if one did. */
  setBy(dotted: string): string | undefined;
}

export function readEnvOverlay(environ: NodeJS.ProcessEnv): EnvOverlay {
  const values: PlainObject = {};
  const problems: string[] = [];
  const setBy = new Map<string, { name: string; raw: string }>();
  for (const binding of bindings()) {
    const raw = environ[binding.name];
    if (raw === undefined || raw.trim() === '') continue;
    const dotted = binding.path.join('.');
    const earlier = setBy.get(dotted);
    if (earlier) {
      if (earlier.raw !== raw) {
        problems.push(`${binding.name} (${dotted}): ${showValue(raw)} conflicts with ${earlier.name}=${showValue(earlier.raw)} — set only one of them`);
      }
      continue;
    }
    setBy.set(dotted, { name: binding.name, raw });
    const coerced = coerce(raw, binding.kind);
    if ('problem' in coerced) {
      problems.push(`${binding.name} (${dotted}): ${coerced.problem}`);
      continue;
    }
    setIn(values, binding.path, coerced.value);
  }
  problems.push(...unsupportedEnvProblems(environ, new Set(bindings().map((b) => b.name))));
  const label = (path: readonly PropertyKey[]) => {
    const key = formatPath(path);
    const source = [...setBy].find(([dotted]) => key === dotted || key.startsWith(`${dotted}[`));
    return source ? `${source[1].name} (${key})` : key;
  };
  return { values, problems, label, setBy: (dotted) => setBy.get(dotted)?.name };
}

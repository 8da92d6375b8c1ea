import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { applyEnvOverrides } from './env.js';
import { ConfigError } from './errors.js';
import { crossFieldProblems } from './rules.js';
import { configSchema, type ParsedConfig } from './schema.js';
import { ENVIRONMENTS, type Environment, type RealtimeConfig } from './types.js';

export interface LoadOptions {
  /** JSON config file; without it, `REALTIME_CONFIG`, else defaults only. */
  file?: string;
  /** Profile name; else `REALTIME_ENV`, else the file's `environment`, else local. */
  env?: string;
  port?: number;
  environ?: NodeJS.ProcessEnv;
  cwd?: string;
}

type Raw = Record<string, unknown>;

const DEFAULT_ORIGINS: Record<Environment, string[]> = {
  local: ['http://localhost:*', 'http://127.0.0.1:*'],
  staging: [],
  production: [],
};

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars of the profile replace the base. */
function deepMerge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key] as Raw, value) : value;
  }
  return out;
}

function readFile(file: string): Raw {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`config file ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([`config file ${file}: not valid JSON (${(error as Error).message})`]);
  }
  if (!isObject(parsed)) throw new ConfigError([`config file ${file}: must hold a JSON object`]);
  return parsed;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function knownKeysAt(path: PropertyKey[]): string[] {
  let schema: unknown = configSchema;
  for (const key of path) {
    const shape = (schema as { shape?: Record<string, unknown> }).shape;
    let next: any = shape?.[String(key)] ?? (schema as { element?: unknown }).element;
    // Unwrap defaults, optionals and arrays down to the object that holds the keys.
    while (next && !next.shape && next.def) next = next.def.innerType ?? next.def.element ?? next.def.in;
    schema = next;
  }
  return Object.keys((schema as { shape?: object })?.shape ?? {});
}

function describeIssue(issue: z.core.$ZodIssue, raw: Raw): string[] {
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
      const close = known.find((k) => editDistance(k, key) <= 2);
      return `${path ? `${path}.` : ''}${key}: unknown setting${close ? ` — did you mean "${close}"?` : ''}`;
    });
  }
  const value = issue.path.reduce<unknown>((node, key) => (node as Raw | undefined)?.[key as string], raw);
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 80)})`;
  return [`${path || '(config)'}: ${issue.message}${issue.message.includes('got ') ? '' : shown}`];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function pickEnvironment(options: LoadOptions, environ: NodeJS.ProcessEnv, raw: Raw): Environment {
  const name = options.env ?? environ.REALTIME_ENV ?? (raw.environment as string | undefined) ?? 'local';
  if (!(ENVIRONMENTS as readonly string[]).includes(name)) {
    throw new ConfigError([`environment: "${name}" is not a profile — use one of ${ENVIRONMENTS.join(', ')}`]);
  }
  return name as Environment;
}

/**
 * Resolves the configuration once, at start: file, then the selected `environments` profile,
 * then `REALTIME_*` variables, then flags. Every problem is collected before failing.
 */
export function loadConfig(options: LoadOptions = {}): RealtimeConfig {
  const environ = options.environ ?? process.env;
  const file = options.file ?? environ.REALTIME_CONFIG;
  const fileConfig = file ? readFile(file) : {};
  const environment = pickEnvironment(options, environ, fileConfig);
  const { environments, ...base } = fileConfig;
  const problems: string[] = [];
  if (environments !== undefined && !isObject(environments)) problems.push('environments: must be an object keyed by profile name');
  const envs = isObject(environments) ? environments : {};
  for (const key of Object.keys(envs)) {
    if (!(ENVIRONMENTS as readonly string[]).includes(key)) problems.push(`environments.${key}: unknown profile — use one of ${ENVIRONMENTS.join(', ')}`);
  }
  const profile = envs[environment];
  let raw = isObject(profile) ? deepMerge(base, profile) : base;
  raw = { ...raw, environment };
  problems.push(...applyEnvOverrides(raw, environ));
  if (options.port !== undefined) raw = deepMerge(raw, { http_server: { port: options.port } });

  const parsed = configSchema.safeParse(raw);
  if (parsed.success) {
    const config = resolveConfig(parsed.data, environment, options.cwd);
    problems.push(...crossFieldProblems(config));
    if (problems.length === 0) return deepFreeze(config);
    throw new ConfigError(problems);
  }
  problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, raw)));
  // Report the cross-field problems too, judged on the settings that did parse.
  const rest = configSchema.safeParse(withoutPaths(raw, parsed.error.issues.map((issue) => issue.path)));
  if (rest.success) problems.push(...crossFieldProblems(resolveConfig(rest.data, environment, options.cwd)));
  throw new ConfigError(problems);
}

function resolveConfig(parsed: ParsedConfig, environment: Environment, cwd = process.cwd()): RealtimeConfig {
  const { client, data_dir, ...rest } = parsed;
  return {
    ...rest,
    environment,
    data_dir: resolve(cwd, data_dir),
    client: { ...client, allowed_origins: client.allowed_origins ?? DEFAULT_ORIGINS[environment] },
  };
}

/** A copy of the raw config without the settings at these paths (whole arrays for array items). */
function withoutPaths(raw: Raw, paths: PropertyKey[][]): Raw {
  const copy = structuredClone(raw);
  for (const path of paths) {
    const cut = path.findIndex((key) => typeof key === 'number');
    const keys = (cut === -1 ? path : path.slice(0, cut)).map(String);
    if (keys.length === 0) continue;
    const parent = keys.slice(0, -1).reduce<Raw | undefined>((node, key) => (isObject(node?.[key]) ? (node[key] as Raw) : undefined), copy);
    if (parent) delete parent[keys[keys.length - 1]!];
  }
  return copy;
}

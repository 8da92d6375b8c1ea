import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { adaptConfigFile } from './centrifugo-forms.js';
import { readEnvOverlay } from './env.js';
import { ConfigError } from './errors.js';
import { deepFreeze, deepMerge, isPlainObject, type PlainObject } from './plain-objects.js';
import { describeIssue, formatPath, issueProblems, showValue } from './problems.js';
import { crossFieldProblems } from './rules.js';
import { defaultAllowedOrigins, defaultNamespaces, fileSchema, overlaySchema, type ParsedConfig } from './schema.js';
import { ENVIRONMENTS, type Environment, type RealtimeConfig } from './types.js';

export interface LoadConfigOptions {
  /** JSON config file; when absent, `REALTIME_CONFIG`, else no file. */
  file?: string;
  /** Profile; wins over `REALTIME_ENV` and the file's `environment` key. */
  env?: string;
  /** `--port`: wins over everything. */
  port?: number;
  environ?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Where a key's value came from, for the keys set anywhere but the defaults: `env REALTIME_X`,
 * `file config.json`, `file config.json (environments.local)` or `--port`. Keyed by dotted path.
 */
export type ConfigSources = ReadonlyMap<string, string>;

/**
 * Resolves the configuration from, in rising precedence: defaults, the file, its
 * `environments.<env>` section, `REALTIME_*` variables, CLI flags. Throws one ConfigError listing
 * every problem; returns a deep-frozen config.
 */
export function loadConfig(options: LoadConfigOptions = {}): RealtimeConfig {
  return loadConfigWithSources(options).config;
}

/** `loadConfig`, and where each key set outside the defaults came from. */
export function loadConfigWithSources(options: LoadConfigOptions = {}): { config: RealtimeConfig; sources: ConfigSources } {
  const environ = options.environ ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];

  const source = readConfigFile(options.file, environ, cwd, problems);
  const fileLabel = (path: readonly PropertyKey[]) => (path.length ? formatPath(path) : (source?.name ?? 'config'));
  const adapted = adaptConfigFile(source?.raw ?? {}, fileLabel);
  problems.push(...adapted.problems);
  const file = parseSalvaging(fileSchema, adapted.value, fileLabel, problems);
  const environment = chooseEnvironment(options.env, environ, source?.raw, problems);

  const envOverlay = readEnvOverlay(environ);
  problems.push(...envOverlay.problems);
  const fromEnv = parseSalvaging(overlaySchema, envOverlay.values, envOverlay.label, problems);
  const fromFlags = parseSalvaging(overlaySchema, options.port === undefined ? {} : { http_server: { port: options.port } }, () => '--port', problems);

  const unreadable = source === undefined && Boolean(options.file || environ.REALTIME_CONFIG);
  if (!file || !fromEnv || !fromFlags || !environment || unreadable) throw new ConfigError(problems);

  // Profile rules run even when some keys failed to parse, judged on the keys that did.
  const { environment: _chosenInFile, environments, ...base } = file;
  const merged: ParsedConfig = deepMerge(base, environments?.[environment], fromEnv, fromFlags);
  const withProfile = {
    ...merged,
    client: { ...merged.client, allowed_origins: merged.client.allowed_origins ?? defaultAllowedOrigins(environment) },
    channel: { ...merged.channel, namespaces: merged.channel.namespaces ?? defaultNamespaces(environment) },
  };
  problems.push(...crossFieldProblems(withProfile, environment, cwd));
  if (problems.length > 0) throw new ConfigError(problems);

  const config: RealtimeConfig = { environment, ...withProfile, data_dir: resolve(cwd, merged.data_dir) };
  const sources = new Map<string, string>();
  const record = (values: unknown, from: (dotted: string) => string) => {
    for (const dotted of leafPaths(values)) sources.set(dotted, from(dotted));
  };
  const { environment: _named, environments: rawProfiles, ...rawBase } = source?.raw ?? {};
  record(rawBase, () => `file ${source?.name}`);
  record(isPlainObject(rawProfiles) ? rawProfiles[environment] : undefined, () => `file ${source?.name} (environments.${environment})`);
  record(envOverlay.values, (dotted) => `env ${envOverlay.setBy(dotted) ?? '?'}`);
  record(fromFlags, () => '--port');
  return { config: deepFreeze(config), sources };
}

/** Dotted paths of the scalars and lists in a parsed overlay. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (!isPlainObject(value)) return value === undefined || prefix === '' ? [] : [prefix];
  return Object.entries(value).flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

/**
 * Parses `input`; on failure, records every problem and parses again without the keys at fault,
 * so that later rules can still look at the rest. Undefined when even that fails.
 */
function parseSalvaging<T extends z.ZodType>(
  schema: T,
  input: PlainObject,
  label: (path: readonly PropertyKey[]) => string,
  problems: string[],
): z.output<T> | undefined {
  const parse = (value: unknown) => schema.safeParse(value, { error: describeIssue, reportInput: true });
  const first = parse(input);
  if (first.success) return first.data;
  problems.push(...issueProblems(schema, first.error, label));
  const second = parse(withoutFaultyKeys(input, first.error.issues));
  return second.success ? second.data : undefined;
}

/** A copy without the keys the issues point at; an array with a bad item is dropped whole. */
function withoutFaultyKeys(input: PlainObject, issues: readonly z.core.$ZodIssue[]): PlainObject {
  const copy = structuredClone(input);
  const paths = issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path],
  );
  for (const path of paths) {
    const firstIndex = path.findIndex((segment) => typeof segment === 'number');
    const keys = (firstIndex < 0 ? path : path.slice(0, firstIndex)).map(String);
    let node: unknown = copy;
    for (const key of keys.slice(0, -1)) node = isPlainObject(node) ? node[key] : undefined;
    if (isPlainObject(node) && keys.length > 0) delete node[keys[keys.length - 1]!];
  }
  return copy;
}

function readConfigFile(
  explicit: string | undefined,
  environ: NodeJS.ProcessEnv,
  cwd: string,
  problems: string[],
): { name: string; raw: PlainObject } | undefined {
  const named = explicit ? { file: explicit, by: '--config' } : environ.REALTIME_CONFIG ? { file: environ.REALTIME_CONFIG, by: 'REALTIME_CONFIG' } : undefined;
  if (!named) return undefined;
  const path = resolve(cwd, named.file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? String(err)})`;
    problems.push(`${named.by}: ${showValue(named.file)}: ${why} — check the path (resolved to ${path})`);
    return undefined;
  }
  try {
    const raw: unknown = JSON.parse(text);
    if (isPlainObject(raw)) return { name: named.file, raw };
    problems.push(`${named.file}: the top level is ${Array.isArray(raw) ? 'a list' : showValue(raw)} — write a JSON object { ... }`);
  } catch (err) {
    problems.push(`${named.file}: not valid JSON (${(err as Error).message}) — fix the syntax (comments and trailing commas are not JSON)`);
  }
  return undefined;
}

function chooseEnvironment(
  fromOption: string | undefined,
  environ: NodeJS.ProcessEnv,
  file: PlainObject | undefined,
  problems: string[],
): Environment | undefined {
  const fromFile = typeof file?.environment === 'string' ? file.environment : undefined;
  const [name, by] = fromOption
    ? [fromOption, '--env']
    : environ.REALTIME_ENV
      ? [environ.REALTIME_ENV, 'REALTIME_ENV']
      : fromFile
        ? [fromFile, 'environment']
        : ['local', 'default'];
  if ((ENVIRONMENTS as readonly string[]).includes(name)) return name as Environment;
  problems.push(`${by}: ${showValue(name)} is not an environment — use one of ${ENVIRONMENTS.join(', ')}`);
  return undefined;
}

import { parseArgs } from 'node:util';
import { describeTopology } from '../broker/redis-address.js';
import { listEnvVars } from '../config/env.js';
import { readFileSync } from 'node:fs';
import { explainCentrifugoConfig, type KeyMapping } from '../config/centrifugo-explain.js';
import { loadConfig, loadConfigWithSources, type LoadConfigOptions } from '../config/load.js';
import { isPlainObject } from '../config/plain-objects.js';
import { ensureLocalSecrets } from '../config/local-secrets.js';
import { redactConfig } from '../config/redact.js';
import { secretSources } from '../config/secret-sources.js';
import { runWithConfigErrors } from './config-errors.js';

const USAGE = 'usage: renum-realtime check-config [--config FILE] [--env NAME] [--port N] [--env-vars] [--from-centrifugo FILE]';

/** Options shared by the commands that load the configuration; undefined after a usage error. */
export function parseConfigFlags(
  argv: string[],
  extra: { 'env-vars'?: { type: 'boolean' }; 'from-centrifugo'?: { type: 'string' } } = {},
): { options: LoadConfigOptions; flags: Record<string, unknown>; positionals: string[] } | { usageError: string } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, env: { type: 'string' }, port: { type: 'string' }, ...extra },
      allowPositionals: true,
      strict: true,
    });
    if (values.port !== undefined && !(/^\d+$/.test(values.port) && Number(values.port) <= 65_535)) {
      return { usageError: `--port ${JSON.stringify(values.port)}: not a port number — give 0–65535, e.g. --port 8000` };
    }
    const options: LoadConfigOptions = {
      ...(values.config !== undefined ? { file: values.config } : {}),
      ...(values.env !== undefined ? { env: values.env } : {}),
      ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    };
    return { options, flags: values, positionals };
  } catch (err) {
    // parseArgs reports unknown or malformed flags as TypeError with an ERR_PARSE_ARGS_* code.
    if (err instanceof TypeError && String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) return { usageError: err.message };
    throw err;
  }
}

export async function runCheckConfig(argv: string[]): Promise<number> {
  const parsed = parseConfigFlags(argv, { 'env-vars': { type: 'boolean' }, 'from-centrifugo': { type: 'string' } });
  if ('usageError' in parsed || parsed.positionals.length > 0) {
    const why = 'usageError' in parsed ? parsed.usageError : `unexpected argument ${JSON.stringify(parsed.positionals[0])}`;
    process.stderr.write(`${why}\n${USAGE}\n`);
    return 2;
  }
  if (parsed.flags['env-vars']) {
    const vars = listEnvVars();
    const width = Math.max(...vars.map((v) => v.name.length)) + 2;
    for (const { name, path, description } of vars) {
      process.stdout.write(`${name.padEnd(width)}${description ? `${path.padEnd(44)}${description}` : path}\n`);
    }
    process.stdout.write('channel.namespaces has no variable: set namespaces in the config file.\n');
    process.stdout.write('Each REALTIME_<KEY> is also read under its Centrifugo v6 name, CENTRIFUGO_<KEY>.\n');
    return 0;
  }
  const centrifugoFile = parsed.flags['from-centrifugo'];
  if (typeof centrifugoFile === 'string') return runFromCentrifugo(centrifugoFile, parsed.options);
  return runWithConfigErrors(async () => {
    const loaded = loadConfigWithSources(parsed.options);
    // The same secrets `serve` and `token` use: in the local profile they are generated once.
    const { config, generated } = ensureLocalSecrets(loaded.config);
    process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
    // stderr: stdout stays the JSON a script can parse.
    process.stderr.write(`${describeTopology(config.engine).join('\n')}\n`);
    const secrets = secretSources(config, loaded.sources, generated);
    const width = Math.max(...secrets.map((s) => s.key.length)) + 2;
    process.stderr.write(`secrets (${config.environment} profile; values not shown):\n`);
    for (const { key, from } of secrets) process.stderr.write(`  ${key.padEnd(width)}${from}\n`);
    return 0;
  });
}

const MARKS: Record<KeyMapping['outcome'], string> = { honoured: 'ok', 'no-op': 'ok', off: 'off', unsupported: 'NO', unknown: '??' };

/**
 * `--from-centrifugo FILE`: how each key of a Centrifugo v6 config maps, then whether the file
 * loads as it is. Exit 0 when it loads, 1 when it does not.
 */
async function runFromCentrifugo(file: string, options: LoadConfigOptions): Promise<number> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    process.stderr.write(`--from-centrifugo ${JSON.stringify(file)}: ${(error as Error).message}\n`);
    return 2;
  }
  if (!isPlainObject(raw)) {
    process.stderr.write(`--from-centrifugo ${JSON.stringify(file)}: the top level is not a JSON object\n`);
    return 2;
  }
  const mappings = explainCentrifugoConfig(raw);
  const width = Math.min(60, Math.max(...mappings.map((m) => m.path.length))) + 2;
  process.stdout.write(`${file}: ${mappings.length} keys, as Renum Realtime reads them\n`);
  for (const { path, outcome, detail } of mappings) process.stdout.write(`  ${MARKS[outcome].padEnd(4)}${path.padEnd(width)}${detail}\n`);
  const count = (outcome: KeyMapping['outcome']) => mappings.filter((m) => m.outcome === outcome).length;
  process.stdout.write(
    `${count('honoured')} honoured, ${count('off') + count('no-op')} accepted as off or no-op, ${count('unsupported')} not supported, ${count('unknown')} unknown\n`,
  );
  return runWithConfigErrors(async () => {
    loadConfig({ ...options, file });
    process.stdout.write('the file loads as it is\n');
    return 0;
  });
}

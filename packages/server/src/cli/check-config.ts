import { parseArgs } from 'node:util';
import { describeTopology } from '../broker/redis-address.js';
import { listEnvVars } from '../config/env.js';
import { loadConfig, type LoadConfigOptions } from '../config/load.js';
import { redactConfig } from '../config/redact.js';
import { runWithConfigErrors } from './config-errors.js';

const USAGE = 'usage: renum-realtime check-config [--config FILE] [--env NAME] [--port N] [--env-vars]';

/** Options shared by the commands that load the configuration; undefined after a usage error. */
export function parseConfigFlags(
  argv: string[],
  extra: { 'env-vars'?: { type: 'boolean' } } = {},
): { options: LoadConfigOptions; flags: Record<string, unknown>; positionals: string[] } | { usageError: string } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, env: { type: 'string' }, port: { type: 'string' }, ...extra },
      allowPositionals: true,
      strict: true,
    });
    if (values.port !== undefined && !/^\d+$/.test(values.port)) return { usageError: `--port: ${JSON.stringify(values.port)} is not a port number` };
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
  const parsed = parseConfigFlags(argv, { 'env-vars': { type: 'boolean' } });
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
    return 0;
  }
  return runWithConfigErrors(async () => {
    const config = loadConfig(parsed.options);
    process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
    // stderr: stdout stays the JSON a script can parse.
    process.stderr.write(`${describeTopology(config.engine).join('\n')}\n`);
    return 0;
  });
}

import { parseArgs } from 'node:util';
import { listEnvVars } from '../config/env.js';
import { loadConfig } from '../config/load.js';
import { redactConfig } from '../config/redact.js';
import { runWithConfigErrors } from './config-errors.js';

export async function runCheckConfig(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, env: { type: 'string' }, port: { type: 'string' }, 'env-vars': { type: 'boolean' } },
    strict: true,
  });
  if (values['env-vars']) {
    for (const { name, path } of listEnvVars()) process.stdout.write(`${name.padEnd(52)} ${path}\n`);
    return 0;
  }
  return runWithConfigErrors(async () => {
    const config = loadConfig({
      ...(values.config ? { file: values.config } : {}),
      ...(values.env ? { env: values.env } : {}),
      ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    });
    process.stdout.write(`${JSON.stringify(redactConfig(config), null, 2)}\n`);
    return 0;
  });
}

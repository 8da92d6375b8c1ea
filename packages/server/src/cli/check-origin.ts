import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { OriginPolicy } from '../policy/origin.js';
import { runWithConfigErrors } from './config-errors.js';

export async function runCheckOrigin(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, env: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const origin = positionals[0];
  if (!origin || positionals.length > 1) {
    process.stderr.write('usage: renum-realtime check-origin <origin> [--config FILE] [--env NAME]\n');
    return 2;
  }
  return runWithConfigErrors(async () => {
    const config = loadConfig({ ...(values.config ? { file: values.config } : {}), ...(values.env ? { env: values.env } : {}) });
    const decision = new OriginPolicy(config.client.allowed_origins, config.environment).check(origin);
    process.stdout.write(decision.allowed ? `allowed (rule: ${decision.rule}, ${config.environment} profile)\n` : `denied: ${decision.reason}\n`);
    return decision.allowed ? 0 : 1;
  }, 2);
}

import { loadConfig } from '../config/load.js';
import { OriginPolicy } from '../policy/origin.js';
import { parseConfigFlags } from './check-config.js';
import { runWithConfigErrors } from './config-errors.js';

const USAGE = 'usage: renum-realtime check-origin <origin> [--config FILE] [--env NAME]';

/** Exit 0 when the origin is allowed, 1 when denied, 2 on a usage or configuration error. */
export async function runCheckOrigin(argv: string[]): Promise<number> {
  const parsed = parseConfigFlags(argv);
  if ('usageError' in parsed || parsed.positionals.length !== 1) {
    process.stderr.write(`${'usageError' in parsed ? parsed.usageError : 'give exactly one origin, e.g. https://app.example.com'}\n${USAGE}\n`);
    return 2;
  }
  const origin = parsed.positionals[0]!;
  return runWithConfigErrors(async () => {
    const config = loadConfig(parsed.options);
    const decision = new OriginPolicy(config.client.allowed_origins, config.environment).check(origin);
    const how = decision.rule === undefined ? decision.reason : `rule: ${decision.rule}`;
    process.stdout.write(decision.allowed ? `allowed (${how}, ${config.environment} profile)\n` : `denied: ${decision.reason}\n`);
    return decision.allowed ? 0 : 1;
  }, 2);
}

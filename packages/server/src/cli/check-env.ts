import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { checkEnv, formatCheckEnv } from '../check-env/scan.js';

const USAGE = `Usage: renum-realtime check-env [DIR] [--json] [--include-tests]

Statically checks a Next.js front end (DIR, default .) for the realtime config mistakes that break in
production: WebSocket URL variable names read in code vs defined in .env files, ws://localhost
fallbacks, ws:// in production env files, process.env access Next.js cannot inline, several modules
opening their own socket. Code is parsed, and judged by where it runs: route handlers, pages/api,
getServerSideProps, Server Components and modules importing server-only may read any variable.
Tests, fixtures and node_modules are skipped (--include-tests scans tests and fixtures too).
Exit code: 1 when there are errors, 0 otherwise, 2 on a usage error.
`;

export async function runCheckEnv(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { json: { type: 'boolean' }, 'include-tests': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    process.stderr.write(`give at most one directory\n\n${USAGE}`);
    return 2;
  }
  const dir = positionals[0] ?? '.';
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    process.stderr.write(`${dir}: not a directory\n`);
    return 2;
  }
  const report = checkEnv(dir, { includeTests: values['include-tests'] === true });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatCheckEnv(report));
  return report.errors > 0 ? 1 : 0;
}

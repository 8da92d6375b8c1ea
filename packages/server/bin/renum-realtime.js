#!/usr/bin/env node
// The package's bin. npm links a bin at install time only if its file exists then, and dist/ is
// built later (`npm start`, `npm run build`), so the bin is this committed file, which loads the
// built CLI when it runs and says how to build it when it is missing.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(fileURLToPath(cli))) {
  await import(cli.href);
} else {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  process.stderr.write(`renum-realtime: the CLI is not built yet (${fileURLToPath(cli)} is missing) — run \`npm run build\` (or \`npm start\`) in ${root}\n`);
  process.exitCode = 1;
}

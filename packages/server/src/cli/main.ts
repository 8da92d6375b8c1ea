#!/usr/bin/env node
import { VERSION } from '../version.js';
import { runCheckConfig } from './check-config.js';
import { runCheckEnv } from './check-env.js';
import { runCheckOrigin } from './check-origin.js';
import { runDoctor } from './doctor.js';
import { runServe } from './serve.js';
import { runToken } from './token.js';

const commands: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  serve: { run: runServe, summary: 'serve [--config FILE] [--env local|staging|production] [--port N]   run the gateway' },
  token: { run: runToken, summary: 'token --user ID [--ttl 1h] [--channel C]...                     mint a connection token (local secret)' },
  'check-config': { run: runCheckConfig, summary: 'check-config [--config FILE] [--env NAME] [--env-vars]          validate and print the resolved config' },
  'check-origin': { run: runCheckOrigin, summary: 'check-origin <origin> [--config FILE] [--env NAME]             is this origin allowed, and by which rule' },
  doctor: { run: runDoctor, summary: 'doctor <ws-url> [--origin URL] [--token JWT] [--channel C] ...  explain, step by step, why a connection fails' },
  'check-env': { run: runCheckEnv, summary: 'check-env [DIR] [--json]                                        check a Next.js front end\'s realtime env config' },
};

function usage(): string {
  return `renum-realtime ${VERSION}\n\nUsage: renum-realtime <command>\n\n${Object.values(commands).map((c) => `  ${c.summary}`).join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    // parseArgs throws TypeError with ERR_PARSE_ARGS_* codes for unknown or malformed flags.
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${error.message}\n\n${usage()}`);
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`renum-realtime: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);

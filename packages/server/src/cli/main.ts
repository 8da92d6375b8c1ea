#!/usr/bin/env node
import { VERSION } from '../version.js';

/**
 * Each command's module is loaded when it runs: `serve` never loads `check-env`'s TypeScript
 * parser or `doctor`'s probes, which were most of its start-up time (restarts are reconnect storms).
 */
const commands: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  serve: { run: async (argv) => (await import('./serve.js')).runServe(argv), summary: 'serve [--config FILE] [--env local|staging|production] [--port N]   run the gateway' },
  token: { run: async (argv) => (await import('./token.js')).runToken(argv), summary: 'token --user ID [--ttl 1h] [--channel C]...                     mint a connection token (local secret)' },
  'check-config': { run: async (argv) => (await import('./check-config.js')).runCheckConfig(argv), summary: 'check-config [--config FILE] [--env NAME] [--env-vars]          validate and print the resolved config' },
  'check-origin': { run: async (argv) => (await import('./check-origin.js')).runCheckOrigin(argv), summary: 'check-origin <origin> [--config FILE] [--env NAME]             is this origin allowed, and by which rule' },
  doctor: { run: async (argv) => (await import('./doctor.js')).runDoctor(argv), summary: 'doctor <ws-url> [--origin URL] [--token JWT] [--channel C] ...  explain, step by step, why a connection fails' },
  'check-env': { run: async (argv) => (await import('./check-env.js')).runCheckEnv(argv), summary: 'check-env [DIR] [--json]                                        check a Next.js front end\'s realtime env config' },
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

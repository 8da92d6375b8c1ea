#!/usr/bin/env bun
import { bunRuntime } from '../transport/bun.js';
import { runServe } from './serve.js';

/**
 * `bun dist/cli/bun-main.js serve [--config FILE] ...`: the gateway on Bun. Only `serve` runs here;
 * the other commands are runtime-neutral and live in the Node CLI.
 */
const [command, ...rest] = process.argv.slice(2);
if (command !== 'serve') {
  process.stderr.write('usage: bun bun-main.js serve [--config FILE] [--env NAME] [--port N]\n');
  process.exitCode = 2;
} else {
  runServe(rest, bunRuntime()).then(
    (code) => (process.exitCode = code),
    (error) => {
      process.stderr.write(`renum-realtime: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

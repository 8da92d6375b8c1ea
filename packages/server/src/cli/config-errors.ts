import { ConfigError } from '../config/errors.js';

/** Runs a command; an invalid configuration becomes a list of problems on stderr and `exitCode`. */
export async function runWithConfigErrors(run: () => Promise<number>, exitCode = 1): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`invalid configuration (${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}):\n`);
    for (const problem of error.problems) process.stderr.write(`  - ${problem}\n`);
    return exitCode;
  }
}

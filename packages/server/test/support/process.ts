import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const BUN = fileURLToPath(new URL('../../../../node_modules/.bin/bun', import.meta.url));
export const BUN_CLI = fileURLToPath(new URL('../../dist/cli/bun-main.js', import.meta.url));
/** `REALTIME_TEST_RUNTIME=bun` runs spawned gateways on Bun: the same black-box tests, the other runtime. */
export const TEST_RUNTIME: 'node' | 'bun' = process.env.REALTIME_TEST_RUNTIME === 'bun' ? 'bun' : 'node';

export interface GatewayProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
  /** ws:// URL from the startup banner. */
  url: string;
}

/** Runs the built `renum-realtime` CLI as users do (or another entry `script`), and waits for its banner. */
export async function spawnGateway(args: string[], env: NodeJS.ProcessEnv = {}, script = CLI, runtime = TEST_RUNTIME): Promise<GatewayProcess> {
  const [command, entry] = runtime === 'bun' && script === CLI ? [BUN, BUN_CLI] : [process.execPath, script];
  const child = spawn(command, [entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdout!.on('data', (d: Buffer) => stdout.push(d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr.push(d.toString());
      const match = stderr.join('').match(/WebSocket: (ws:\/\/\S+)/);
      if (match) resolve(match[1]!);
    });
    exited.then((code) => reject(new Error(`gateway exited with ${code}: ${stderr.join('')}`)));
    // Bun on a loaded 2-core machine has been seen to take more than 10 s to print its banner.
    setTimeout(() => reject(new Error(`gateway did not start: ${stderr.join('')}`)), 30_000);
  });
  return { child, stdout, stderr, exited, url };
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

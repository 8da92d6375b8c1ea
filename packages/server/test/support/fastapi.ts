import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './ports.js';

/** Debian's interpreter, where python3-fastapi, -uvicorn and -httpx are installed (scripts/test.sh). */
export const PYTHON = '/usr/bin/python3';
export const EXAMPLE_DIR = fileURLToPath(new URL('../../../../examples/fastapi', import.meta.url));
export const pythonReady = existsSync(PYTHON);

export interface FastApiExample {
  url: string;
  output: string[];
  stop(): Promise<void>;
}

/** The example back end under a real uvicorn on a free port, as the README runs it. */
export async function startFastApiExample(env: Record<string, string>, port?: number): Promise<FastApiExample> {
  port ??= await freePort();
  const child: ChildProcess = spawn(PYTHON, ['-m', 'uvicorn', 'renum_backend.app:app', '--app-dir', EXAMPLE_DIR, '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, 15_000, `uvicorn (${output.join('')})`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

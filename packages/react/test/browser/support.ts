import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const NEXT_BIN = join(ROOT, 'node_modules/next/dist/bin/next');
export const SCREENSHOTS = join(ROOT, 'test-artifacts/screenshots');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Spawned {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a process and resolves once a line of its output matches `ready` (or it exits). */
export function spawnUntil(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; ready?: RegExp; timeoutMs?: number } = {}): Promise<Spawned> {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} not ready: ${output.join('')}`)), options.timeoutMs ?? 20_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (options.ready?.test(output.join(''))) {
        clearTimeout(timer);
        resolve({ child, output, exited, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      if (options.ready) reject(new Error(`${args.join(' ')} exited with ${code}: ${output.join('')}`));
      else resolve({ child, output, exited, stop });
    });
  });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Counts the WebSocket connections a page opens (every `new WebSocket`, failed ones included). */
export function countWebSockets(page: Page): { readonly count: number } {
  const counter = { count: 0 };
  page.on('websocket', () => counter.count++);
  return counter;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  const file = join(SCREENSHOTS, `${name}.png`);
  mkdirSync(dirname(file), { recursive: true });
  await page.screenshot({ path: file });
}

export async function postJson<T = any>(url: string, body: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as T };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

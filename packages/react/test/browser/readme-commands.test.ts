/**
 * The commands the READMEs print for the Next.js examples, run as written (`npm run gateway -w
 * examples/nextjs`, `npm run dev -w examples/nextjs-app`, `npm run dev -w examples/nextjs`), with
 * only the ports moved to free ones through the variables the scripts read, and a run watched to
 * its end in Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepNextFiles } from './next-app.js';
import { freePort, launchChromium, ROOT } from './support.js';

interface Command {
  child: ChildProcess;
  output: string[];
  /** Stops the command and everything it started (its own process group). */
  stop(): Promise<void>;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function run(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs: number): Promise<Command> {
  const child = spawn('npm', args, { cwd: ROOT, env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const command: Command = {
    child,
    output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
      await exited;
      // npm exits before the processes it started (next dev's workers flush their cache on the way out).
      const deadline = Date.now() + 15_000;
      while (groupAlive(child.pid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm ${args.join(' ')} not ready: ${output.join('')}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (ready.test(output.join(''))) {
        clearTimeout(timer);
        resolve(command);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`npm ${args.join(' ')} exited: ${output.join('')}`));
    });
  });
}

let gateway: Command;
let gatewayPort: number;
let dataDir: string;
let browser: Browser;

beforeAll(async () => {
  gatewayPort = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'renum-readme-'));
  gateway = await run(['run', 'gateway', '-w', 'examples/nextjs'], { REALTIME_PORT: String(gatewayPort), REALTIME_DATA_DIR: dataDir, REALTIME_LOG_LEVEL: 'warn' }, /WebSocket: ws:/, 30_000);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('README commands for the Next.js examples', () => {
  it.each(['examples/nextjs-app', 'examples/nextjs'])('npm run dev -w %s serves the demo: a run started from the page ends completed', async (workspace) => {
    const appDir = join(ROOT, workspace);
    const distDir = `.next-dev-test-${process.pid}`;
    const [appPort, publisherPort] = [await freePort(), await freePort()];
    // The scripts read .env.development, which never overrides a variable already set.
    const gatewayWs = `ws://127.0.0.1:${gatewayPort}/ws`;
    const restore = keepNextFiles(appDir);
    const dev = await run(
      ['run', 'dev', '-w', workspace],
      {
        PORT: String(appPort),
        NEXT_DIST_DIR: distDir,
        PUBLISHER_URL: `http://127.0.0.1:${publisherPort}`,
        REALTIME_API_URL: `http://127.0.0.1:${gatewayPort}/api`,
        NEXT_PUBLIC_REALTIME_URL: workspace.endsWith('-app') ? gatewayWs : '',
        NEXT_PUBLIC_WEBSOCKET_URL: gatewayWs,
      },
      /Ready in/,
      60_000,
    );
    try {
      const page = await browser.newPage();
      await page.goto(`http://localhost:${appPort}/`, { timeout: 90_000 });
      await page.waitForSelector('[data-testid=transport][data-transport=websocket]', { timeout: 60_000 });
      await page.click('button:has-text("Start a run")');
      await page.waitForURL(/\/executions\/[^/]+$/, { timeout: 60_000 }).catch(async (error: Error) => {
        throw new Error(`${error.message}\npage: ${await page.textContent('main')}\nnpm run dev: ${dev.output.join('').slice(-3000)}`);
      });
      await page.waitForSelector('[data-testid=execution][data-status=completed]', { timeout: 60_000 });
      expect(await page.getAttribute('[data-testid=progress]', 'aria-valuenow')).toBe('100');
      await page.close();
    } finally {
      await dev.stop();
      restore();
      rmSync(join(appDir, distDir), { recursive: true, force: true });
    }
  }, 240_000);
});

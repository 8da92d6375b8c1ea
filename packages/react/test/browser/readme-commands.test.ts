/**
 * The commands the READMEs print for the Next.js examples, run as written (`npm run gateway -w
 * examples/nextjs`, `npm run dev -w examples/nextjs-app`, `npm run dev -w examples/nextjs`, and
 * FastAPI mode's two, read out of examples/nextjs/README.md), with only the ports moved to free
 * ones through the variables the scripts read, and a run watched to its end in Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
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

/** `npm <args>` (a gateway script) on `port` with its own data folder; `env` moves the rest. */
async function startGateway(args: string[], port: number, env: NodeJS.ProcessEnv = {}): Promise<{ gateway: Command; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'renum-readme-'));
  const gateway = await run(args, { REALTIME_PORT: String(port), REALTIME_DATA_DIR: dataDir, REALTIME_LOG_LEVEL: 'warn', ...env }, /WebSocket: ws:/, 30_000);
  return {
    gateway,
    stop: async () => {
      await gateway.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts a run from the home page and waits for its page to show it completed. */
async function watchRunToTheEnd(page: Page, dev: Command): Promise<void> {
  await page.waitForSelector('[data-testid=transport][data-transport=websocket]', { timeout: 60_000 });
  await page.click('button:has-text("Start a run")');
  await page.waitForURL(/\/executions\/[^/]+$/, { timeout: 60_000 }).catch(async (error: Error) => {
    throw new Error(`${error.message}\npage: ${await page.textContent('main')}\nnpm run dev: ${dev.output.join('').slice(-3000)}`);
  });
  await page.waitForSelector('[data-testid=execution][data-status=completed]', { timeout: 60_000 });
  expect(await page.getAttribute('[data-testid=progress]', 'aria-valuenow')).toBe('100');
}

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('README commands for the Next.js examples', () => {
  let gateway: { stop(): Promise<void> };
  let gatewayPort: number;

  beforeAll(async () => {
    gatewayPort = await freePort();
    gateway = await startGateway(['run', 'gateway', '-w', 'examples/nextjs'], gatewayPort);
  }, 60_000);

  afterAll(() => gateway?.stop());

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
      await watchRunToTheEnd(page, dev);
      await page.close();
    } finally {
      await dev.stop();
      restore();
      rmSync(join(appDir, distDir), { recursive: true, force: true });
    }
  }, 240_000);
});

const EXAMPLE_README = readFileSync(join(ROOT, 'examples/nextjs/README.md'), 'utf8');
const fastApiSection = EXAMPLE_README.slice(EXAMPLE_README.indexOf('## FastAPI mode'), EXAMPLE_README.indexOf('\n## ', EXAMPLE_README.indexOf('## FastAPI mode') + 3));
const fastApiCommands = /```sh\n([\s\S]*?)```/.exec(fastApiSection)![1]!.trim().split('\n');

describe('README commands for the Next.js example in FastAPI mode', () => {
  it('are two: the gateway with the FastAPI config, then uvicorn and next dev', () => {
    expect(fastApiCommands).toEqual(['npm install && npm run build && npm run gateway:fastapi -w examples/nextjs', 'npm run dev:fastapi -w examples/nextjs']);
  });

  it('serve the pages against examples/fastapi: log in with its cookie, start a run over RPC, see it end completed', async () => {
    // `npm install && npm run build` is the quick start's (readme-quick-start.test.ts runs it on a fresh clone); this tree is built.
    const gatewayCommand = fastApiCommands[0]!.split(' && ').at(-1)!.split(' ');
    const devCommand = fastApiCommands[1]!.split(' ');
    const [gatewayPort, appPort, backEndPort] = [await freePort(), await freePort(), await freePort()];
    const backEnd = `http://127.0.0.1:${backEndPort}`;
    // The page and the gateway share the host name `localhost`, as in the README, so the session cookie reaches the gateway.
    const gateway = await startGateway(gatewayCommand.slice(1), gatewayPort, {
      REALTIME_ALLOWED_ORIGINS: `http://localhost:${appPort}`,
      REALTIME_CLIENT_PROXY_CONNECT_ENDPOINT: `${backEnd}/centrifugo/connect`,
      REALTIME_CHANNEL_PROXY_SUBSCRIBE_ENDPOINT: `${backEnd}/centrifugo/subscribe`,
      REALTIME_RPC_PROXY_ENDPOINT: `${backEnd}/centrifugo/rpc`,
      REALTIME_WEBHOOKS_URL: `${backEnd}/webhooks`,
    });
    const appDir = join(ROOT, 'examples/nextjs');
    const distDir = `.next-dev-fastapi-test-${process.pid}`;
    const restore = keepNextFiles(appDir);
    let dev: Command | undefined;
    try {
      dev = await run(
        devCommand.slice(1),
        {
          PORT: String(appPort),
          NEXT_DIST_DIR: distDir,
          FASTAPI_URL: backEnd,
          REALTIME_API_URL: `http://127.0.0.1:${gatewayPort}/api`,
          NEXT_PUBLIC_REALTIME_URL: '',
          NEXT_PUBLIC_WEBSOCKET_URL: `ws://localhost:${gatewayPort}/ws`,
        },
        /Ready in/,
        60_000,
      );
      const page = await browser.newPage();
      await page.goto(`http://localhost:${appPort}/`, { timeout: 90_000 });
      await page.fill('input[name=user]', 'alice', { timeout: 60_000 });
      await page.fill('input[name=password]', 'alice-password');
      await page.click('button:has-text("Sign in")');
      await watchRunToTheEnd(page, dev);
      await page.close();
    } finally {
      await dev?.stop();
      await gateway.stop();
      restore();
      rmSync(join(appDir, distDir), { recursive: true, force: true });
    }
  }, 240_000);
});

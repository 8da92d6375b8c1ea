/**
 * What the Next.js example tests share: the demo gateway (the CLI, so it can be SIGKILLed and
 * restarted on its port), the back end (examples/publisher, or examples/fastapi under uvicorn),
 * `next build` / `next start` of an example with its own output folder, and axe in the page.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startFastApiExample } from '../../../server/test/support/fastapi.js';
import { freePort, launchChromium, NEXT_BIN, ROOT, spawnUntil, type Spawned } from './support.js';

const SERVER_CLI = join(ROOT, 'packages/server/dist/cli/main.js');
export const demoConfig = JSON.parse(readFileSync(join(ROOT, 'examples/nextjs/realtime.config.json'), 'utf8'));
export const API_KEY: string = demoConfig.http_api.key;
export const SECRET: string = demoConfig.client.token.hmac_secret_key;
const fastApiConfig = readFileSync(join(ROOT, 'examples/fastapi/realtime.config.json'), 'utf8');
/** Where examples/fastapi/realtime.config.json expects the back end and the page. */
const FASTAPI_README_URL = 'http://127.0.0.1:8001';

/** examples/fastapi's gateway config with its back end at `backEndUrl` and only `appOrigin` allowed to connect. */
function fastApiGatewayConfig(backEndUrl: string, appOrigin: string): Record<string, unknown> {
  const config = JSON.parse(fastApiConfig.replaceAll(FASTAPI_README_URL, backEndUrl));
  return { ...config, client: { ...config.client, allowed_origins: [appOrigin] } };
}

export interface DemoGateway {
  port: number;
  apiUrl: string;
  /** Starts (or, after a kill, restarts) the gateway process on the same port. */
  start(): Promise<Spawned>;
  tempDir: string;
}

/** `base` (the demo config) on a free port with its own data folder; `config` is merged over it. */
export async function demoGateway(config: Record<string, unknown> = {}, base: Record<string, unknown> = demoConfig): Promise<DemoGateway> {
  const port = await freePort();
  const tempDir = mkdtempSync(join(tmpdir(), 'renum-demo-'));
  const configFile = join(tempDir, 'realtime.config.json');
  writeFileSync(configFile, JSON.stringify({ ...base, data_dir: join(tempDir, 'data'), log: { level: 'warn' }, http_server: { address: '127.0.0.1', port }, ...config }));
  return {
    port,
    tempDir,
    apiUrl: `http://127.0.0.1:${port}/api`,
    start: () => spawnUntil(process.execPath, [SERVER_CLI, 'serve', '--config', configFile], { ready: /WebSocket: ws:/ }),
  };
}

/** The demo back end (examples/publisher --serve) against the gateway's API. */
export async function startPublisher(apiUrl: string, port?: number): Promise<{ url: string; process: Spawned }> {
  port ??= await freePort();
  const process_ = await spawnUntil(process.execPath, ['examples/publisher/index.mjs', '--api', apiUrl, '--key', API_KEY, '--serve', String(port)], { ready: /publisher listening/ });
  return { url: `http://127.0.0.1:${port}`, process: process_ };
}

const BUILD_VARIABLES = ['NEXT_PUBLIC_WEBSOCKET_URL', 'NEXT_PUBLIC_REALTIME_URL', 'NEXT_PUBLIC_APP_ENV', 'NEXT_PUBLIC_REALTIME_BACKEND', 'FASTAPI_URL'];

/**
 * `next build` of the example in `appDir` into `distDir`, with only the NEXT_PUBLIC_* values in
 * `env`, leaving the tree as it was (see keepNextFiles).
 */
export function nextBuild(appDir: string, distDir: string, env: NodeJS.ProcessEnv): { code: number; output: string } {
  const clean: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: distDir };
  for (const name of BUILD_VARIABLES) delete clean[name];
  const restore = keepNextFiles(appDir);
  try {
    const output = execFileSync(process.execPath, [NEXT_BIN, 'build'], { cwd: appDir, env: { ...clean, ...env }, encoding: 'utf8', stdio: 'pipe' });
    return { code: 0, output };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { code: failed.status, output: `${failed.stdout}${failed.stderr}` };
  } finally {
    restore();
  }
}

/** Next rewrites tsconfig.json and next-env.d.ts for its output folder; the returned function puts them back. */
export function keepNextFiles(appDir: string): () => void {
  const tsconfig = readFileSync(join(appDir, 'tsconfig.json'), 'utf8');
  return () => {
    writeFileSync(join(appDir, 'tsconfig.json'), tsconfig);
    rmSync(join(appDir, 'next-env.d.ts'), { force: true });
  };
}

export async function nextStart(appDir: string, distDir: string, env: NodeJS.ProcessEnv, port?: number): Promise<{ url: string; process: Spawned }> {
  port ??= await freePort();
  const process_ = await spawnUntil(process.execPath, [NEXT_BIN, 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: appDir,
    ready: /Ready in/,
    env: { NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: distDir, ...env },
  });
  return { url: `http://127.0.0.1:${port}`, process: process_ };
}

/** `packages/react/dist`, which the examples bundle, from the current sources. */
export function buildReactPackage(): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'packages/react'], { cwd: ROOT, stdio: 'inherit' });
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page as it is now, one line each (rule, impact, elements). */
export async function seriousAxeFindings(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    type Result = { violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: string[] }> }> };
    const { violations } = await (window as unknown as { axe: { run(): Promise<Result> } }).axe.run();
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}) at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** An example built and running next to its gateway and back end, with a browser; `gateway` is replaced when a test restarts it. */
export interface DemoStack {
  demo: DemoGateway;
  gateway: Spawned;
  /** examples/publisher, or examples/fastapi in FastAPI mode. */
  backEndUrl: string;
  appUrl: string;
  browser: Browser;
  stop(): Promise<void>;
}

/**
 * `next build` (NEXT_PUBLIC_* from `buildEnv(gatewayPort)`), then the gateway, the back end and
 * `next start` with the server-side values (plus `serverEnv`), then Chromium. `fastapi`: the
 * example in FastAPI mode, next to examples/fastapi (uvicorn) and a gateway with its config.
 */
export async function startDemoStack(
  appDir: string,
  distDir: string,
  buildEnv: (port: number) => NodeJS.ProcessEnv,
  serverEnv: NodeJS.ProcessEnv = {},
  backEnd: 'publisher' | 'fastapi' = 'publisher',
): Promise<DemoStack> {
  // The server's dist (the CLI) comes from `npm run build`; the app bundles packages/react's dist.
  buildReactPackage();
  const [appPort, backEndPort] = [await freePort(), await freePort()];
  const appUrl = `http://127.0.0.1:${appPort}`;
  const backEndUrl = `http://127.0.0.1:${backEndPort}`;
  const fastApi = backEnd === 'fastapi';
  const demo = fastApi ? await demoGateway({}, fastApiGatewayConfig(backEndUrl, appUrl)) : await demoGateway();
  const modeEnv: NodeJS.ProcessEnv = fastApi ? { NEXT_PUBLIC_REALTIME_BACKEND: 'fastapi', FASTAPI_URL: backEndUrl } : {};
  const build = nextBuild(appDir, distDir, { ...buildEnv(demo.port), ...modeEnv });
  if (build.code !== 0) throw new Error(`next build failed:\n${build.output}`);
  const gateway = await demo.start();
  // Steps long enough that a run started from the home page is still going once its page has subscribed.
  const backEndProcess = fastApi
    ? await startFastApiExample({ GATEWAY_API_URL: demo.apiUrl, GATEWAY_API_KEY: API_KEY, RUN_STEP_SECONDS: '0.6' }, backEndPort)
    : (await startPublisher(demo.apiUrl, backEndPort)).process;
  const app = await nextStart(appDir, distDir, { REALTIME_TOKEN_SECRET: SECRET, REALTIME_API_URL: demo.apiUrl, REALTIME_API_KEY: API_KEY, PUBLISHER_URL: backEndUrl, ...modeEnv, ...serverEnv }, appPort);
  const browser = await launchChromium();
  const stack: DemoStack = {
    demo,
    gateway,
    backEndUrl,
    appUrl,
    browser,
    stop: async () => {
      await browser.close();
      await app.process.stop();
      await backEndProcess.stop();
      await stack.gateway.stop();
      rmSync(join(appDir, distDir), { recursive: true, force: true });
      rmSync(demo.tempDir, { recursive: true, force: true });
    },
  };
  return stack;
}

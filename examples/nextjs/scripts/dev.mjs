#!/usr/bin/env node
/**
 * `npm run dev -w examples/nextjs` (or `-w examples/nextjs-app`): the demo back end
 * (examples/publisher --serve) and `next dev` of the example in the current directory, next to a
 * gateway started with realtime.config.json. Values come from that example's .env.development.
 *
 * `npm run dev:fastapi -w examples/nextjs` (`dev.mjs fastapi`): examples/fastapi under uvicorn
 * instead, at FASTAPI_URL, and the pages in FastAPI mode (NEXT_PUBLIC_REALTIME_BACKEND=fastapi),
 * next to a gateway started with examples/fastapi/realtime.config.json.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const BACKENDS = ['publisher', 'fastapi'];
const backend = process.argv[2] ?? 'publisher';
if (!BACKENDS.includes(backend)) {
  console.error(`dev.mjs: unknown back end "${backend}"; use ${BACKENDS.join(' or ')}`);
  process.exit(2);
}
const appDir = process.cwd();
if (backend === 'fastapi') process.env.NEXT_PUBLIC_REALTIME_BACKEND = 'fastapi';
process.loadEnvFile(`${appDir}/.env.development`);
const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');

function publisher() {
  const port = new URL(process.env.PUBLISHER_URL).port;
  return spawn(process.execPath, [fileURLToPath(new URL('../../publisher/index.mjs', import.meta.url)), '--serve', port], { stdio: 'inherit', env: process.env });
}

/** Debian's interpreter has python3-fastapi, -uvicorn and -httpx; PYTHON names another one that does. */
function fastApi() {
  const python = process.env.PYTHON || '/usr/bin/python3';
  const { hostname, port } = new URL(process.env.FASTAPI_URL);
  const child = spawn(python, ['-m', 'uvicorn', 'renum_backend.app:app', '--app-dir', fileURLToPath(new URL('../../fastapi', import.meta.url)), '--host', hostname, '--port', port], {
    stdio: 'inherit',
    env: { ...process.env, GATEWAY_API_URL: process.env.REALTIME_API_URL, GATEWAY_API_KEY: process.env.REALTIME_API_KEY },
  });
  child.on('error', (error) => {
    console.error(`dev.mjs: could not start ${python} (${error.message}). Install python3-fastapi python3-uvicorn python3-httpx, or set PYTHON to an interpreter that has fastapi, uvicorn and httpx.`);
    stop();
    process.exitCode = 1;
  });
  return child;
}

const children = [
  backend === 'fastapi' ? fastApi() : publisher(),
  spawn(process.execPath, [nextBin, 'dev', '-p', process.env.PORT ?? '3000'], { cwd: appDir, stdio: 'inherit', env: process.env }),
];
function stop() {
  children.forEach((child) => child.kill('SIGTERM'));
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) child.on('exit', (code) => {
  stop();
  process.exitCode ??= code ?? 0;
});

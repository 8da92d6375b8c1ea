#!/usr/bin/env node
/**
 * `npm run dev -w examples/nextjs` (or `-w examples/nextjs-app`): the demo back end
 * (examples/publisher --serve) and `next dev` of the example in the current directory, next to a
 * gateway started with realtime.config.json. Values come from that example's .env.development.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const appDir = process.cwd();
process.loadEnvFile(`${appDir}/.env.development`);
const publisherPort = new URL(process.env.PUBLISHER_URL).port;
const nextBin = createRequire(import.meta.url).resolve('next/dist/bin/next');

const children = [
  spawn(process.execPath, [fileURLToPath(new URL('../../publisher/index.mjs', import.meta.url)), '--serve', publisherPort], { stdio: 'inherit', env: process.env }),
  spawn(process.execPath, [nextBin, 'dev', '-p', process.env.PORT ?? '3000'], { cwd: appDir, stdio: 'inherit', env: process.env }),
];
const stop = () => children.forEach((child) => child.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) child.on('exit', (code) => {
  stop();
  process.exitCode = code ?? 0;
});

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newClient, once } from './support/client.js';

/**
 * The README's first five minutes, from a fresh clone of this repository, with the commands read
 * out of the README itself: if the README and the product drift apart, this fails. The only
 * change made to a command is the port: the server listens on a free one (REALTIME_PORT=0) and
 * `127.0.0.1:8000` in the README's commands and URLs is replaced by the port it reports.
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const README_ADDRESS = '127.0.0.1:8000';

function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  expect(start, `README section "${title}"`).toBeGreaterThanOrEqual(0);
  const end = README.indexOf('\n## ', start + 4);
  return README.slice(start, end < 0 ? undefined : end);
}

function codeBlocks(text: string, lang: string): string[] {
  return [...text.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

function must(match: RegExpMatchArray | null | undefined, what: string): RegExpMatchArray {
  expect(match, `README: ${what}`).toBeTruthy();
  return match!;
}

const intro = README.slice(0, README.indexOf('\n## '));
const runIt = codeBlocks(intro, 'sh')[0]!.trim();
const tokenCommand = must(intro.match(/`(npx renum-realtime token [^`]+)`/), 'the token command')[1]!;
const connecting = codeBlocks(section('Connecting a client'), 'ts')[0]!;
const clientUrl = must(connecting.match(/new Centrifuge\('([^']+)'/), 'the client URL')[1]!;
const channel = must(connecting.match(/newSubscription\('([^']+)'\)/), 'the channel')[1]!;
const publishing = codeBlocks(section('Publishing from a back end'), 'sh')[0]!;
const curl = publishing.split('\n# ')[0]!.trim();
const curlAnswer = JSON.parse(must(publishing.match(/\n# (\{.*\})/), 'the curl answer')[1]!);
const published = JSON.parse(must(curl.match(/-d '([^']+)'/), 'the curl body')[1]!);

let clone: string;
let server: ChildProcess | undefined;
let address = '';

beforeAll(async () => {
  clone = mkdtempSync(join(tmpdir(), 'rr-quick-start-'));
  await run('git', ['clone', '--quiet', ROOT, clone]);
  // `npm install` as the README says; offline-first so the test reuses npm's cache.
  const [install, start] = runIt.split(' && ');
  expect([install, start]).toEqual(['npm install', 'npm start']);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, maxBuffer: 1 << 26 });
  server = spawn('npm', ['start'], { cwd: clone, env: { ...process.env, REALTIME_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let banner = '';
  address = await new Promise<string>((resolve, reject) => {
    server!.stderr!.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      const match = banner.match(/WebSocket: ws:\/\/(127\.0\.0\.1:\d+)\//);
      if (match) resolve(match[1]!);
    });
    server!.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${banner}`)));
  });
  expect(banner).toContain(tokenCommand);
  expect(banner).toContain(`WebSocket: ${clientUrl.replace(README_ADDRESS, address)}`);
}, 600_000);

afterAll(() => {
  // npm start runs the server as a child of npm: stop the whole process group this test started.
  if (server?.pid) process.kill(-server.pid, 'SIGTERM');
  rmSync(clone, { recursive: true, force: true });
});

describe('README quick start, verbatim, on a fresh clone', () => {
  it('mints a token with npx, connects the official client, and delivers the curl publish', async () => {
    const token = (await run('bash', ['-c', tokenCommand], { cwd: clone })).stdout.trim();
    expect(token.split('.')).toHaveLength(3);

    const client = newClient(clientUrl.replace(README_ADDRESS, address), { token });
    const sub = client.newSubscription(channel);
    const delivered = once<{ data: unknown }>(sub, 'publication');
    sub.subscribe();
    client.connect();
    await sub.ready(5000);

    const answer = JSON.parse((await run('bash', ['-c', curl.replaceAll(README_ADDRESS, address)], { cwd: clone })).stdout);
    expect(Object.keys(answer)).toEqual(Object.keys(curlAnswer));
    expect(Object.keys(answer.result).sort()).toEqual(Object.keys(curlAnswer.result).sort());
    expect((await delivered).data).toEqual(published.data);
    client.disconnect();
  });

  it('runs the Next.js example\'s gateway script as the README prints it', async () => {
    const command = must(section('React and Next.js').match(/\n(npm run gateway -w examples\/nextjs)\b/), 'the gateway script')[1]!;
    // The example's config listens on 8000; REALTIME_PORT (which wins over the file) picks a free port.
    const gateway = spawn('bash', ['-c', command], { cwd: clone, env: { ...process.env, REALTIME_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        gateway.stderr!.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = output.match(/WebSocket: (ws:\/\/\S+)/);
          if (match) resolve(match[1]!);
        });
        gateway.on('exit', (code) => reject(new Error(`${command} exited with ${code}: ${output}`)));
      });
      expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\//);
    } finally {
      process.kill(-gateway.pid!, 'SIGTERM');
    }
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from './ports.js';

export const NGINX = '/usr/sbin/nginx';
export const nginxInstalled = existsSync(NGINX);

const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

/** The nginx `server`/`upstream` blocks the README documents, as written there. */
export function readmeNginxConfig(): string {
  const text = readFileSync(README, 'utf8');
  const marker = text.indexOf('<!-- nginx-config:');
  const block = /```nginx\n([\s\S]*?)```/.exec(text.slice(marker));
  if (marker < 0 || !block) throw new Error('README has no nginx config block after its nginx-config marker');
  return block[1]!;
}

export interface Nginx {
  port: number;
  stop(): Promise<void>;
}

/**
 * Runs Debian's nginx in the foreground on a private port, every path under its own temp
 * directory, with `site` (the README's blocks) pointed at the gateway's port. Never the system's
 * nginx or port 80.
 */
export async function startNginx(site: string, gatewayPort: number): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'renum-nginx-'));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const port = await freePort();
  const server = site.replace(/127\.0\.0\.1:8000/g, `127.0.0.1:${gatewayPort}`).replace(/listen 80;/, `listen 127.0.0.1:${port};`);
  writeFileSync(join(dir, 'nginx.conf'), `worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${server}
}
`);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([waitForPort(port, 5000, 'nginx'), exited.then(() => Promise.reject(new Error(`nginx exited: ${stderr}`)))]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    port,
    async stop() {
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

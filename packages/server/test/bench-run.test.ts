import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('bench/README: npm run bench', () => {
  it('loads each peer, Node and Bun, and reads idle memory as it settled and after a collection', async () => {
    // As bench/README prints it, small: three peers, 100 subscribers, a second of each load.
    const out = mkdtempSync(join(tmpdir(), 'renum-bench-run-'));
    const args = ['--peers', 'ws-preframed,gateway-node,gateway-bun', '--subscribers', '100', '--seconds', '1', '--latency-subscribers', '50',
      '--latency-seconds', '1', '--multinode-subscribers', '0', '--wire-publications', '0', '--out', out];
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'bench', '-w', '@renum-realtime/bench', '--', ...args], { cwd: ROOT, timeout: 150_000 });
    const header = /^\| peer .*$/m.exec(stdout)?.[0].split('|').map((c) => c.trim()) ?? [];
    const cell = (peer: string, column: string) => new RegExp(`^\\| ${peer} .*$`, 'm').exec(stdout)?.[0].split('|').map((c) => c.trim())[header.indexOf(column)];
    for (const peer of ['ws-preframed', 'gateway-node', 'gateway-bun']) {
      expect(cell(peer, 'conn fail')).toBe('0');
      expect(Number.parseFloat(cell(peer, 'KiB/conn') ?? '')).not.toBeNaN();
      expect(Number.parseFloat(cell(peer, 'after GC') ?? '')).not.toBeNaN();
      // The JavaScript heap each connection keeps: a peer holds at least a socket object per connection.
      expect(Number.parseFloat(cell(peer, 'heap KiB') ?? '')).toBeGreaterThan(0.1);
      expect(cell(peer, 'loss')).toBe('0.00%');
      expect(cell(peer, 'lat loss')).toBe('0.00%');
    }
    const [file] = readdirSync(out);
    const run = JSON.parse(readFileSync(join(out, file!), 'utf8')) as { results: { name: string; connect: { connected: number }; memory: { rssBefore: number; rssAfter: number; rssAfterGc: number; heapBefore: number; heapAfterGc: number } }[] };
    expect(run.results.map((r) => r.name)).toEqual(['ws-preframed', 'gateway-node', 'gateway-bun']);
    for (const { connect, memory } of run.results) {
      expect(connect.connected).toBe(100);
      // Three RSS readings of a live process, the last one taken after the peer said it collected.
      expect(Math.min(memory.rssBefore, memory.rssAfter, memory.rssAfterGc)).toBeGreaterThan(0);
      expect(memory.heapAfterGc).toBeGreaterThan(memory.heapBefore);
    }
  }, 180_000);
});

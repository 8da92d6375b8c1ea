import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PEERS = ['ws-preframed', 'ws-floor-jwt', 'gateway-node', 'bun-pubsub', 'bun-floor-jwt', 'gateway-bun'];

describe('bench/README: npm run bench', () => {
  it('loads each peer, Node and Bun, and reads idle memory as it settled and after a collection', async () => {
    // As bench/README prints it, small: 100 subscribers, a second of each load; each runtime's bare
    // server, the client protocol's floor on it, and the gateway.
    const out = mkdtempSync(join(tmpdir(), 'renum-bench-run-'));
    const args = ['--peers', PEERS.join(','), '--subscribers', '100', '--seconds', '1', '--latency-subscribers', '50',
      '--latency-seconds', '1', '--multinode-subscribers', '0', '--wire-publications', '0', '--out', out];
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'bench', '-w', '@renum-realtime/bench', '--', ...args], { cwd: ROOT, timeout: 150_000 });
    const header = /^\| peer .*$/m.exec(stdout)?.[0].split('|').map((c) => c.trim()) ?? [];
    const cell = (peer: string, column: string) => new RegExp(`^\\| ${peer} .*$`, 'm').exec(stdout)?.[0].split('|').map((c) => c.trim())[header.indexOf(column)];
    for (const peer of PEERS) {
      expect(cell(peer, 'conn fail')).toBe('0');
      expect(Number.parseFloat(cell(peer, 'KiB/conn') ?? '')).not.toBeNaN();
      expect(Number.parseFloat(cell(peer, 'after GC') ?? '')).not.toBeNaN();
      // The JavaScript heap each connection keeps: a peer holds at least a socket object per
      // connection. Bare Bun keeps its sockets natively, ~0.1 KiB of heap each: above zero only.
      expect(Number.parseFloat(cell(peer, 'heap KiB') ?? '')).toBeGreaterThan(peer.startsWith('bun-') ? 0 : 0.1);
      expect(cell(peer, 'loss')).toBe('0.00%');
      expect(cell(peer, 'lat loss')).toBe('0.00%');
    }
    // The floor peers answered every hello (0 failed above); the ratios against them are printed.
    const ratio = String.raw`\d+\.\d\d× `;
    expect(stdout).toMatch(new RegExp(`^Node protocol floor: ws-floor-jwt vs ws-preframed: ${ratio}connect/s, ${ratio}srv µs/conn, ${ratio}KiB/conn, ${ratio}heap KiB; gateway-node vs ws-floor-jwt: ${ratio}connect/s`, 'm'));
    expect(stdout).toMatch(new RegExp(`^Bun protocol floor: bun-floor-jwt vs bun-pubsub: ${ratio}connect/s, .*; gateway-bun vs bun-floor-jwt: ${ratio}connect/s`, 'm'));
    const [file] = readdirSync(out);
    const run = JSON.parse(readFileSync(join(out, file!), 'utf8')) as { results: { name: string; connect: { connected: number }; memory: { rssBefore: number; rssAfter: number; rssAfterGc: number; heapBefore: number; heapAfterGc: number } }[] };
    expect(run.results.map((r) => r.name)).toEqual(PEERS);
    for (const { connect, memory } of run.results) {
      expect(connect.connected).toBe(100);
      // Three RSS readings of a live process, the last one taken after the peer said it collected.
      expect(Math.min(memory.rssBefore, memory.rssAfter, memory.rssAfterGc)).toBeGreaterThan(0);
      expect(memory.heapAfterGc).toBeGreaterThan(memory.heapBefore);
    }
  }, 180_000);
});

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('bench/README: npm run bench:storm', () => {
  it('kills and restarts the node under its subscribers, and every one comes back holding every acknowledged offset', async () => {
    // As bench/README prints it, with fewer subscribers: the run's own checks fail it on any loss.
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'bench:storm', '-w', '@renum-realtime/bench', '--', '--clients', '200'], { cwd: ROOT, timeout: 150_000 });
    const row = (name: string) => new RegExp(`^\\| ${name} +\\| ([^|]+)\\|`, 'm').exec(stdout)?.[1]?.trim();
    expect(row('subscribers')).toBe('200');
    expect(row('lost \\(silent gaps\\)')).toBe('0');
    expect(row('duplicates')).toBe('0');
    // "45, one every 100 ms (8 failed while the node was down)"
    expect(Number(/^(\d+),/.exec(row('publications acknowledged') ?? '')?.[1])).toBeGreaterThan(0);
    expect(row('storm: node up → all back and recovered')).toMatch(/^[\d.]+ s \([\d.]+× N ÷ rate/);
  }, 180_000);
});

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('bench/README: npm run bench:wire', () => {
  it('builds, runs, checks every delivered document, and prints bytes per delivery for each protocol, with JSON and with protobuf data, and with channel compaction', async () => {
    // As bench/README prints it: the build, then 300 publications per protocol.
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'bench:wire', '-w', '@renum-realtime/bench'], { cwd: ROOT, timeout: 120_000 });
    const rows = stdout.trim().split('\n').slice(1).map((line) => line.split(/\s{2,}/)[0]?.trim());
    expect(rows).toEqual(['json', 'protobuf', 'json + fossil delta', 'protobuf + fossil delta', 'protobuf, protobuf data', 'protobuf data + delta', 'json, channel id', 'json + delta, channel id']);
    const bytes = stdout.trim().split('\n').slice(1).map((line) => Number(line.match(/([\d.]+) B/)?.[1]));
    expect(bytes.every((b) => b > 0)).toBe(true);
    // Delta must be smaller than the same build without it, or it is not working.
    expect(bytes[2]).toBeLessThan(bytes[0]!);
    expect(bytes[3]).toBeLessThan(bytes[1]!);
    expect(bytes[5]).toBeLessThan(bytes[4]!);
    // Binary data is carried as it is: a protobuf document is smaller than its JSON text.
    expect(bytes[4]).toBeLessThan(bytes[1]!);
    // A compacted push carries `"id":N` in place of `"channel":"progress:run"`: 18 bytes less, and
    // with delta a little more, where the shorter frame fits the 2-byte WebSocket header.
    expect(bytes[0]! - bytes[6]!).toBeCloseTo(18, 5);
    expect(bytes[2]! - bytes[7]!).toBeGreaterThanOrEqual(18);
    expect(bytes[2]! - bytes[7]!).toBeLessThanOrEqual(20);
  });
});

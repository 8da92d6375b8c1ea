import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('README: npm run soak', () => {
  it('runs the shortened soak as printed: Redis cut mid-run, every stream checked by offsets, fds and RSS back near baseline', async () => {
    // The README's second command, word for word; the script exits 1 when any of its checks fails.
    const args = ['run', 'soak', '--', '--seconds', '15', '--connections', '200', '--cut-at', '5', '--cut-for', '3'];
    const { stderr } = await promisify(execFile)('npm', args, { cwd: ROOT, timeout: 150_000 }).catch((error: { stderr: string }) => {
      throw new Error(`soak failed:\n${error.stderr}`);
    });
    expect(stderr).not.toContain('FAIL');
    expect(stderr).toMatch(/ok {3}no duplicate, reordered or unannounced missing publication \(0\)/);
    expect(stderr).toMatch(/ok {3}all \d+ subscribers that stayed hold every acknowledged publication \(0 behind\)/);
    expect(stderr.match(/ok {3}gateway \d: \d+ open fds/g)).toHaveLength(2);
    expect(stderr.match(/ok {3}gateway \d: RSS/g)).toHaveLength(2);
    // The cut happened (publications refused while Redis was away) and subscribers came back with recovery.
    const [, acked, refused] = stderr.match(/published: (\d+) acknowledged, (\d+) refused/)!.map(Number);
    expect(acked).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(0);
    expect(Number(stderr.match(/(\d+) resubscribes with recovery/)![1])).toBeGreaterThan(0);
  }, 180_000);
});

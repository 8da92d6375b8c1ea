import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listEnvVars } from '../src/config/env.js';
import { secretKey, verify } from '../src/webhooks/signature.js';

const README = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const section = README.slice(README.indexOf('## Back-end integration'), README.indexOf('## Diagnosing connections'));

describe('README: back-end integration', () => {
  it('shows a delivery whose signature verifies with the secret in the config above it', () => {
    const secret = /"secret": "(whsec_[^"]+)"/.exec(section)![1]!;
    const http = /<!-- webhook-example:[^\n]*\n```http\n([\s\S]*?)```/.exec(section)![1]!;
    const [head, body] = http.split('\n\n') as [string, string];
    const header = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(head)![1]!;
    const timestamp = header('webhook-timestamp');
    expect(verify(secretKey(secret), { id: header('webhook-id'), timestamp, signature: header('webhook-signature') }, body.trim(), Number(timestamp))).toBe(true);
  });

  it('prints a secret-making command that makes a valid secret', () => {
    const command = /Make a secret with `node -e "([^`]+)"`/.exec(section)![1]!;
    const secret = execFileSync(process.execPath, ['-e', command], { encoding: 'utf8' }).trim();
    expect(secretKey(secret)).toHaveLength(24);
  });

  it('names environment variables that exist', () => {
    const names = listEnvVars().map((v) => v.name);
    for (const name of section.match(/REALTIME_[A-Z_]+/g) ?? []) expect(names).toContain(name);
  });
});

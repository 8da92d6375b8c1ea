import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkEnv } from '../src/check-env/scan.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/check-env/${name}`, import.meta.url));

/** file:line rule, sorted, so each assertion lists exactly what was found. */
function found(name: string): string[] {
  return checkEnv(fixture(name)).findings.map((f) => `${f.file}:${f.line} ${f.rule}`);
}

describe('check-env on fixture front ends', () => {
  it('finds nothing in a clean project (and never reads .next build output)', () => {
    const report = checkEnv(fixture('clean'));
    expect(report.findings).toEqual([]);
    expect(report.errors).toBe(0);
    expect(report.envFiles).toEqual(['.env.development', '.env.production']);
  });

  it('catches NEXT_PUBLIC_WS_URL read in _app.tsx while the env files define NEXT_PUBLIC_WEBSOCKET_URL', () => {
    expect(found('env-name-mismatch')).toEqual(['src/pages/_app.tsx:5 env-var-names-differ', 'src/pages/_app.tsx:5 env-var-undefined']);
    const undefinedVar = checkEnv(fixture('env-name-mismatch')).findings.find((f) => f.rule === 'env-var-undefined')!;
    expect(undefinedVar.severity).toBe('error');
    expect(undefinedVar.message).toBe(
      'NEXT_PUBLIC_WS_URL is read here but not defined for development (.env.development has NEXT_PUBLIC_WEBSOCKET_URL) nor production (.env.production has NEXT_PUBLIC_WEBSOCKET_URL)',
    );
    expect(checkEnv(fixture('env-name-mismatch')).findings.find((f) => f.rule === 'env-var-names-differ')!.message).toBe(
      'reads NEXT_PUBLIC_WS_URL while src/hooks/useWebSocket.tsx:3 reads NEXT_PUBLIC_WEBSOCKET_URL',
    );
  });

  it('catches a hard-coded ws://localhost and an || fallback to it', () => {
    expect(found('localhost-fallback')).toEqual(['src/constants/websocket.ts:2 hardcoded-ws-url', 'src/hooks/useWebSocket.ts:4 ws-url-fallback']);
    const fallback = checkEnv(fixture('localhost-fallback')).findings.find((f) => f.rule === 'ws-url-fallback')!;
    expect(fallback.message).toBe('fallback to ws://localhost:8000/ws when the variable is missing');
    expect(fallback.fix).toContain('throw new Error');
  });

  it('catches ws:// and a private address in production env files', () => {
    expect(found('production-ws')).toEqual(['.env.production:1 insecure-ws-in-production', '.env.production.local:1 local-url-in-production']);
    const mixed = checkEnv(fixture('production-ws')).findings.find((f) => f.rule === 'insecure-ws-in-production')!;
    expect(mixed.why).toContain('mixed content');
  });

  it('catches process.env access that Next.js cannot inline', () => {
    expect(found('dynamic-access')).toEqual([
      'src/lib/config.ts:4 dynamic-env-access',
      'src/lib/config.ts:7 dynamic-env-access',
      'src/lib/config.ts:8 dynamic-env-access',
    ]);
  });

  it('catches several modules that open their own socket', () => {
    expect(found('many-sockets')).toEqual([
      'src/components/NotificationBell.tsx:5 multiple-sockets',
      'src/hooks/useChat.ts:4 multiple-sockets',
      'src/services/websocket-service.ts:5 multiple-sockets',
    ]);
    const report = checkEnv(fixture('many-sockets'));
    expect(report.errors).toBe(3);
    expect(report.findings[1]!.message).toBe('io( here; 3 modules open sockets: src/components/NotificationBell.tsx:5, src/services/websocket-service.ts:5 too');
  });

  it('skips node_modules and a custom Next.js distDir, warns about a variable no env file defines and about one no code reads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'renum-check-env-'));
    try {
      mkdirSync(join(dir, 'node_modules/some-sdk'), { recursive: true });
      writeFileSync(join(dir, 'node_modules/some-sdk/index.js'), "new WebSocket('ws://localhost:1234');\n");
      // Next.js output under a distDir of its own is build output too.
      mkdirSync(join(dir, '.next-staging/static/chunks'), { recursive: true });
      writeFileSync(join(dir, '.next-staging/static/chunks/app.js'), "new WebSocket('ws://localhost:1234');\n");
      writeFileSync(join(dir, 'realtime.ts'), 'export const url = process.env.NEXT_PUBLIC_REALTIME_URL;\n');
      expect(checkEnv(dir).findings.map((f) => `${f.file}:${f.line} ${f.rule} ${f.severity}`)).toEqual(['realtime.ts:1 env-var-unset warning']);
      writeFileSync(join(dir, '.env.example'), 'NEXT_PUBLIC_WS_URL=ws://localhost:8000/ws\n');
      expect(checkEnv(dir).findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual(['.env.example:1 env-var-unused', 'realtime.ts:1 env-var-unset']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

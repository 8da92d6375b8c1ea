import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkEnv } from '../src/check-env/scan.js';

/** check-env knows where Next.js runs code: what is fine on the server is reported in the browser only. */

const EXAMPLE = fileURLToPath(new URL('../../../examples/nextjs', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/check-env', import.meta.url));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'rr-check-env-next-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
const found = (dir: string, options = {}) => checkEnv(dir, options).findings.map((f) => `${f.file}:${f.line} ${f.rule}`);

/** Reads that only server code may make. */
const SERVER_READS = "const key = process.env['REALTIME_' + 'API_KEY'];\nconst { REALTIME_API_URL } = process.env;\nexport const secret = process.env.REALTIME_TOKEN_SECRET;\n";
const ENV = { 'lib/realtime-url.ts': 'export const url = process.env.NEXT_PUBLIC_WEBSOCKET_URL;\n', '.env.development': 'NEXT_PUBLIC_WEBSOCKET_URL=ws://localhost:8000/ws\n', '.env.production': 'NEXT_PUBLIC_WEBSOCKET_URL=wss://rt.example.com/ws\nPUBLISHER_URL=http://127.0.0.1:8100\n' };

describe('check-env and Next.js server-only code', () => {
  it('finds nothing in the project\'s own Next.js example', () => {
    const report = checkEnv(EXAMPLE);
    expect(report.findings).toEqual([]);
    expect(report.filesScanned).toBeGreaterThan(15);
  });

  it('accepts any process.env access in route handlers, pages/api, server-only modules and Server Components', () => {
    const dir = project({
      ...ENV,
      'pages/api/token.ts': SERVER_READS,
      'app/api/publish/route.ts': SERVER_READS,
      'app/dashboard/page.tsx': `${SERVER_READS}export default function Page() { return null; }\n`,
      'lib/secrets.ts': `import 'server-only';\n${SERVER_READS}`,
      'lib/api-only.ts': SERVER_READS,
      'pages/api/use-lib.ts': "import { secret } from '../../lib/api-only';\nexport default secret;\n",
      'middleware.ts': SERVER_READS,
    });
    expect(found(dir)).toEqual([]);
  });

  it('reports the same reads in browser code: pages, client components and what they import', () => {
    const dir = project({
      ...ENV,
      'pages/index.tsx': SERVER_READS,
      'app/widget.tsx': `'use client';\n${SERVER_READS}`,
      'lib/shared.ts': SERVER_READS,
      'pages/api/a.ts': "import '../../lib/shared';\n",
      'pages/b.tsx': "import '../lib/shared';\n",
    });
    const rules = (file: string) => found(dir).filter((f) => f.startsWith(`${file}:`));
    for (const file of ['pages/index.tsx', 'app/widget.tsx', 'lib/shared.ts']) {
      const offset = file === 'app/widget.tsx' ? 1 : 0;
      expect(rules(file)).toEqual([`${file}:${1 + offset} dynamic-env-access`, `${file}:${2 + offset} dynamic-env-access`, `${file}:${3 + offset} server-only-env-var`]);
    }
  });

  it('treats getServerSideProps as server code inside a page module', () => {
    const dir = project({
      ...ENV,
      'pages/run.tsx': [
        'export async function getServerSideProps() {',
        "  const url = process.env['REALTIME_' + 'API_URL'];",
        '  return { props: { url } };',
        '}',
        'export default function Run() {',
        '  const env = process.env;',
        '  return env;',
        '}',
        '',
      ].join('\n'),
    });
    expect(found(dir)).toEqual(['pages/run.tsx:6 dynamic-env-access']);
  });

  it('reads code, not text: comments and strings that mention process.env or ws://localhost are not findings', () => {
    const dir = project({
      ...ENV,
      'lib/url.ts': [
        '// new WebSocket("ws://localhost:8000/ws") was the old way; process.env[name] too',
        '/* const { X } = process.env */',
        "export const help = 'set process.env[name] in the host, not ws://localhost:8000';",
        'export const url = process.env.NEXT_PUBLIC_WEBSOCKET_URL;',
        '',
      ].join('\n'),
    });
    expect(found(dir)).toEqual([]);
  });

  it('skips tests and fixtures below the root unless asked, and still finds the seeded mistakes there', () => {
    const dir = project({ ...ENV, 'src/url.ts': 'export const url = process.env.NEXT_PUBLIC_WEBSOCKET_URL;\n', 'src/url.test.ts': "new WebSocket('ws://localhost:1');\nconst e = process.env;\n", 'test/fixtures/app.ts': "export const u = process.env.NEXT_PUBLIC_X || 'ws://localhost:9';\n" });
    expect(found(dir)).toEqual([]);
    expect(found(dir, { includeTests: true })).toEqual(['src/url.test.ts:2 dynamic-env-access', 'test/fixtures/app.ts:1 ws-url-fallback']);
    expect(found(join(FIXTURES, 'localhost-fallback'))).toEqual(['src/constants/websocket.ts:2 hardcoded-ws-url', 'src/hooks/useWebSocket.ts:4 ws-url-fallback']);
  });

  it('judges only NEXT_PUBLIC_ values in production env files: server-side ones may point at localhost', () => {
    const dir = project({ '.env.production': 'PUBLISHER_URL=http://127.0.0.1:8100\nNEXT_PUBLIC_WEBSOCKET_URL=ws://127.0.0.1:8000/ws\n', 'src/url.ts': 'export const url = process.env.NEXT_PUBLIC_WEBSOCKET_URL;\n' });
    expect(found(dir)).toEqual(['.env.production:2 local-url-in-production']);
  });
});

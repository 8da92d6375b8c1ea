import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startGateway, TEST_API_KEY, TEST_SECRET, type TestGateway } from '../../server/test/support/gateway.js';
import { until } from '../../server/test/support/client.js';
import { RealtimeClient } from '../src/core/client.js';
import { realtimeEndpoints } from '../src/endpoints.js';
import { createServerApi, mintConnectionToken, mintSubscriptionToken, ServerApiError } from '../src/server.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(PACKAGE, 'dist');

/** Every module the built `entry` loads, following relative imports, and the bare packages it names. */
function importGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.includes(file)) return;
    files.push(file);
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]/g)) {
      if (!specifier) continue;
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
      else packages.add(specifier);
    }
  };
  visit(join(DIST, entry));
  return { files, packages };
}

beforeAll(() => {
  execFileSync(process.execPath, [join(PACKAGE, '../../node_modules/typescript/bin/tsc'), '-b', PACKAGE], { stdio: 'inherit' });
});

describe('entry points for the App Router', () => {
  it('keeps "use client" on every built module that uses hooks or context, and on none other', () => {
    const marked = ['provider.js', 'hooks.js', 'use-notifications.js', 'suspense.js', 'tanstack.js'];
    for (const file of marked) expect(readFileSync(join(DIST, file), 'utf8').startsWith("'use client';"), file).toBe(true);
    for (const file of ['index.js', 'server.js', 'react-server.js', 'url.js', 'core/client.js', 'typed.js']) {
      expect(readFileSync(join(DIST, file), 'utf8').includes("'use client'"), file).toBe(false);
    }
    // TanStack Query is an optional peer: only @renum-realtime/react/tanstack loads it.
    // Only the code tables of the protocol package: never its protobuf codec, in a browser bundle.
    expect([...importGraph('index.js').packages].sort()).toEqual(['@renum-realtime/protocol/codes', 'centrifuge', 'react', 'react/jsx-runtime']);
    // A module that imports from react but is not marked would break in a Server Component.
    for (const file of importGraph('index.js').files) {
      const text = readFileSync(file, 'utf8');
      if (/from ['"]react['"]/.test(text)) expect(text.startsWith("'use client';"), file).toBe(true);
    }
  });

  it('@renum-realtime/react/server loads neither React nor the client SDK', () => {
    const { files, packages } = importGraph('server.js');
    expect([...packages]).toEqual([]);
    expect(files.map((f) => f.slice(DIST.length + 1)).sort()).toEqual(['errors.js', 'server.js']);
    const pkg = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8'));
    expect(pkg.exports['./server'].default).toBe('./dist/server.js');
    expect(pkg.exports['.']['react-server']).toBe('./dist/react-server.js');
  });

  it('the react-server build throws a typed ClientOnlyError for hooks, and keeps the server-safe helpers', async () => {
    const serverBuild = await import(join(DIST, 'react-server.js'));
    for (const name of ['useSubscription', 'useConnectionState', 'useChannelState', 'usePublish', 'useRpc', 'useNotifications', 'usePresence', 'useSuspenseChannelState', 'useSuspenseNotifications', 'createRealtime']) {
      let caught: unknown;
      try {
        serverBuild[name]('x');
      } catch (error) {
        caught = error;
      }
      expect(caught, name).toBeInstanceOf(serverBuild.ClientOnlyError);
      expect((caught as { code: string }).code).toBe('client_only');
      expect((caught as { exportName: string }).exportName).toBe(name);
      expect((caught as Error).message).toContain('@renum-realtime/react/server');
    }
    expect(serverBuild.resolveRealtimeUrl('https://rt.example.com')).toBe('https://rt.example.com/');
    // The client build exports the same names: the react-server build is a drop-in.
    const clientBuild = await import(join(DIST, 'index.js'));
    for (const name of Object.keys(serverBuild)) expect(clientBuild, name).toHaveProperty(name);
  });
});

describe('module layout', () => {
  it('has no import cycle in the sources, type-only imports included', () => {
    const SRC = join(PACKAGE, 'src');
    const edges = new Map<string, string[]>();
    const visit = (file: string) => {
      if (edges.has(file)) return;
      const targets = [...readFileSync(file, 'utf8').matchAll(/from\s*['"](\.[^'"]+)['"]/g)].map(([, specifier]) => resolve(dirname(file), specifier!.replace(/\.js$/, existsSync(resolve(dirname(file), specifier!.replace(/\.js$/, '.tsx'))) ? '.tsx' : '.ts')));
      edges.set(file, targets);
      targets.forEach(visit);
    };
    for (const entry of ['index.ts', 'server.ts', 'react-server.ts', 'tanstack.ts', 'url.ts']) visit(join(SRC, entry));
    const cycles: string[] = [];
    const onPath: string[] = [];
    const done = new Set<string>();
    const walk = (file: string) => {
      if (onPath.includes(file)) return void cycles.push([...onPath.slice(onPath.indexOf(file)), file].map((f) => f.slice(SRC.length + 1)).join(' -> '));
      if (done.has(file)) return;
      onPath.push(file);
      for (const target of edges.get(file) ?? []) walk(target);
      onPath.pop();
      done.add(file);
    };
    for (const file of edges.keys()) walk(file);
    expect(edges.size).toBeGreaterThan(15);
    expect(cycles).toEqual([]);
  });
});

describe('realtimeEndpoints', () => {
  it('derives every transport from a base URL', () => {
    expect(realtimeEndpoints('https://rt.example.com')).toEqual({
      transports: [
        { transport: 'websocket', endpoint: 'wss://rt.example.com/connection/websocket' },
        { transport: 'http_stream', endpoint: 'https://rt.example.com/connection/http_stream' },
        { transport: 'sse', endpoint: 'https://rt.example.com/connection/sse' },
      ],
      emulationEndpoint: 'https://rt.example.com/emulation',
      fallbackReportUrl: 'https://rt.example.com/connection/fallback',
    });
    expect(realtimeEndpoints('http://127.0.0.1:8000/realtime/').transports[1]!.endpoint).toBe('http://127.0.0.1:8000/realtime/connection/http_stream');
  });

  it('keeps a ws(s) URL as the WebSocket endpoint and puts the HTTP transports beside it', () => {
    const legacy = realtimeEndpoints('ws://localhost:8000/ws');
    expect(legacy.transports.map((t) => t.endpoint)).toEqual(['ws://localhost:8000/ws', 'http://localhost:8000/connection/http_stream', 'http://localhost:8000/connection/sse']);
    expect(legacy.emulationEndpoint).toBe('http://localhost:8000/emulation');
    const centrifugo = realtimeEndpoints('wss://api.example.com/rt/connection/websocket');
    expect(centrifugo.transports[2]!.endpoint).toBe('https://api.example.com/rt/connection/sse');
  });
});

describe('server helpers against the real gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('mints connection and subscription tokens the gateway accepts', async () => {
    const token = await mintConnectionToken(TEST_SECRET, { user: 'zoe', ttlSeconds: 60 });
    const client = new RealtimeClient(gw.url, () => async () => token, { websocket: WebSocket });
    client.retain();
    try {
      await until(() => client.connection.get().status === 'connected', 5000, 'connected with the minted token');
      const entry = client.channels.acquire('$private:zoe', { getToken: (channel) => mintSubscriptionToken(TEST_SECRET, { user: 'zoe', channel, ttlSeconds: 60 }) });
      await until(() => entry.snapshot.get().status === 'subscribed', 5000, 'subscribed with the minted subscription token');
      const info = await gw.api<{ nodes: Array<{ num_users: number }> }>('info', {});
      expect(info.nodes[0]!.num_users).toBe(1);
    } finally {
      client.release();
    }
    await expect(mintConnectionToken('', { user: 'x', ttlSeconds: 1 })).rejects.toBeInstanceOf(TypeError);
  });

  it('publishes and reads history through the server API, with coded errors', async () => {
    const api = createServerApi({ url: gw.apiUrl, key: TEST_API_KEY });
    await api.publish('news:api', { n: 1 });
    await api.publish('news:api', { n: 2 });
    const history = await api.history<{ n: number }>('news:api');
    expect(history.publications.map((p) => p.data.n)).toEqual([1, 2]);
    expect(history.offset).toBe(2);
    expect(history.epoch).toEqual(expect.any(String));

    const refused = await api.history('nohistory').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ServerApiError);
    expect((refused as ServerApiError).code).toBe(108);

    const badKey = await createServerApi({ url: gw.apiUrl, key: 'wrong' }).publish('news:api', {}).catch((error: unknown) => error);
    expect(badKey).toBeInstanceOf(ServerApiError);
    expect((badKey as ServerApiError).status).toBe(401);

    const nobody = await createServerApi({ url: 'http://127.0.0.1:1/api', key: 'k' }).publish('news:api', {}).catch((error: unknown) => error);
    expect((nobody as ServerApiError).code).toBe('unreachable');
  });
});

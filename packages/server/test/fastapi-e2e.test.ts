import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once, until } from './support/client.js';
import { writeConfigFile } from './support/gateway.js';
import { EXAMPLE_DIR, startFastApiExample, type FastApiExample } from './support/fastapi.js';
import { freePort } from './support/ports.js';
import { spawnGateway, type GatewayProcess } from './support/process.js';
import { loadConfig } from '../src/config/load.js';

/** The example's gateway config as the README runs it, with the back end on `port` and the gateway on a free one. */
function exampleConfig(port: number): string {
  const text = readFileSync(join(EXAMPLE_DIR, 'realtime.config.json'), 'utf8').replaceAll('127.0.0.1:8001', `127.0.0.1:${port}`);
  const config = JSON.parse(text);
  config.http_server.port = 0;
  return writeConfigFile(config);
}

/** The config keys of the event proxies are the core's; until they load, this file has nothing to run. */
function proxiesConfigurable(): boolean {
  try {
    loadConfig({ file: exampleConfig(1), environ: {} });
    return true;
  } catch {
    return false;
  }
}

/** The official client with a browser's session cookie on the WebSocket upgrade, and no token. */
function cookieClient(url: string, cookie: string): Centrifuge {
  class WithCookie extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers: { Cookie: cookie } });
    }
  }
  return new Centrifuge(url, { websocket: WithCookie, minReconnectDelay: 50, maxReconnectDelay: 500, timeout: 3000 });
}

describe.skipIf(!proxiesConfigurable())('the FastAPI example behind the gateway, as the README runs them', () => {
  let gateway: GatewayProcess;
  let backend: FastApiExample;

  beforeAll(async () => {
    const port = await freePort();
    gateway = await spawnGateway(['serve', '--config', exampleConfig(port)]);
    const api = gateway.url.replace(/^ws/, 'http').replace(/\/connection\/websocket$/, '/api');
    backend = await startFastApiExample({ GATEWAY_API_URL: api, RUN_STEP_SECONDS: '0.02' }, port);
  });

  afterAll(async () => {
    gateway?.child.kill('SIGTERM');
    await gateway?.exited;
    await backend?.stop();
  });

  async function login(user: string, password: string): Promise<string> {
    const response = await fetch(`${backend.url}/login`, { method: 'POST', body: JSON.stringify({ user, password }) });
    return response.headers.get('set-cookie')!.split(';')[0]!;
  }

  it('connects by cookie, starts a run over RPC, follows it on its channel, and gets the inbox notification and the webhooks', async () => {
    const cookie = await login('alice', 'alice-password');
    const client = cookieClient(gateway.url, cookie);
    client.connect();
    await client.ready(5000);
    const { data } = await client.rpc('runs.start', { steps: 2 });
    const { run, channel } = data as { run: string; channel: string };
    const sub = client.newSubscription(channel, { since: { offset: 0, epoch: '' } });
    const events: string[] = [];
    sub.on('publication', (ctx) => events.push(ctx.data.event_type));
    sub.subscribe();
    await sub.ready(5000);
    await until(async () => (await (await fetch(`${backend.url}/runs/${run}`, { headers: { Cookie: cookie } })).json()).status === 'completed', 10_000, 'run completed');
    await until(() => events.includes('execution_completed'), 5000, 'the last event live');
    await until(async () => ((await client.rpc('notifications.list', {})).data as { items: Array<{ type: string }> }).items.some((i) => i.type === 'run.finished'), 5000, 'inbox notification');

    const presence = async () => (await (await fetch(`${backend.url}/presence`)).json()).users.alice;
    await until(async () => (await presence())?.online === true, 5000, 'alice online at the back end');
    client.disconnect();
  });

  it('lets only the run\'s owner subscribe, and refuses a connection without a session', async () => {
    const alice = cookieClient(gateway.url, await login('alice', 'alice-password'));
    alice.connect();
    await alice.ready(5000);
    const { run } = (await alice.rpc('runs.start', { steps: 1 })).data as { run: string };
    const bob = cookieClient(gateway.url, await login('bob', 'bob-password'));
    bob.connect();
    await bob.ready(5000);
    const sub = bob.newSubscription(`execution:${run}`);
    // A refusal with a non-temporary error ends the subscription with that code (Centrifugo's docs).
    const refused = once<{ code: number }>(sub, 'unsubscribed');
    sub.subscribe();
    expect((await refused).code).toBe(403);

    const stranger = cookieClient(gateway.url, 'renum_session=forged');
    const closed = once<{ code: number }>(stranger, 'disconnected');
    stranger.connect();
    expect((await closed).code).toBe(4501);
    for (const client of [alice, bob, stranger]) client.disconnect();
  });
});

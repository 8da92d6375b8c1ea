import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { disconnectLabels } from '../src/metrics/metrics.js';
import { newClient, once } from './support/client.js';
import { gatewayPool, type TestGateway } from './support/gateway.js';

/**
 * /metrics per Prometheus conventions: label values from fixed sets whatever callers send, every
 * known combination present at 0 before the first event, process and Node metrics under their
 * standard names. Caller-chosen text (disconnect reasons, token details, paths, API methods) is
 * sent below, and no series may appear that was not there at start.
 */

const gatewayWith = gatewayPool(afterAll);
const metricsUrl = (gw: TestGateway, path = '/metrics') => `http://${gw.gateway.host}:${gw.gateway.port}${path}`;

/** `name{a="x",b="y"}` → value, for every sample line. */
function series(exposition: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

const scrape = async (gw: TestGateway) => series(await (await fetch(metricsUrl(gw))).text());
const ours = (name: string) => name.startsWith('realtime_') && !name.startsWith('realtime_api_requests_total');

describe('/metrics', () => {
  it('keeps every label bounded while callers send text of their own', async () => {
    const gw = await gatewayWith();
    const before = await scrape(gw);
    expect(before.get('realtime_disconnects_total{code="3503",reason="force_disconnect"}')).toBe(0);
    expect(before.get('realtime_disconnects_total{code="3501",reason="token_required"}')).toBe(0);
    expect(before.get('realtime_command_errors_total{method="subscribe",code="102"}')).toBe(0);
    expect(before.get('realtime_handshake_rejections_total{reason="wrong_path"}')).toBe(0);

    const marker = `caller-${randomUUID()}`;
    // A forced disconnect with the caller's code and reason, once known (3503) and once custom (4777, terminal like 3503).
    for (const code of [3503, 4777]) {
      const client = newClient(gw.url, { token: await gw.token(`user-${code}`), minReconnectDelay: 60_000 });
      client.connect();
      await client.ready(3000);
      const closed = once<{ code: number }>(client, 'disconnected');
      await gw.api('disconnect', { user: `user-${code}`, disconnect: { code, reason: `${marker} ${code}` } });
      expect((await closed).code).toBe(code);
    }
    // An invalid token (its detail is the caller's), an unknown channel, a wrong path, an unknown API method.
    const badToken = newClient(gw.url, { token: `${marker}.x.y` });
    const refused = once<{ code: number }>(badToken, 'disconnected');
    badToken.connect();
    expect((await refused).code).toBe(3500);
    const client = newClient(gw.url, { token: await gw.token('eve') });
    const sub = client.newSubscription(`nowhere:${marker}`);
    const unsubscribed = once<{ code: number }>(sub, 'unsubscribed');
    sub.subscribe();
    client.connect();
    expect((await unsubscribed).code).toBe(102);
    client.disconnect();
    const wrongPath = new WebSocket(metricsUrl(gw, `/ws-${marker}`).replace('http:', 'ws:'));
    expect(await new Promise((resolve) => wrongPath.once('unexpected-response', (_req, res) => resolve(res.statusCode)))).toBe(404);
    expect((await fetch(`${gw.apiUrl}/${marker}`, { method: 'POST', body: '{}' })).status).toBe(404);

    const exposition = await (await fetch(metricsUrl(gw))).text();
    expect(exposition).not.toContain(marker);
    const after = series(exposition);
    const appeared = [...after.keys()].filter((key) => ours(key) && !before.has(key));
    expect(appeared).toEqual([]);
    expect(after.get('realtime_disconnects_total{code="3503",reason="force_disconnect"}')).toBe(1);
    expect(after.get('realtime_disconnects_total{code="other",reason="other"}')).toBe(1);
    expect(after.get('realtime_disconnects_total{code="3500",reason="invalid_token"}')).toBe(1);
    expect(after.get('realtime_command_errors_total{method="subscribe",code="102"}')).toBe(1);
    const apiMethods = [...after.keys()].filter((key) => key.startsWith('realtime_api_requests_total')).map((key) => /method="([^"]*)"/.exec(key)![1]);
    expect(new Set(apiMethods)).toEqual(new Set(['disconnect', 'unknown']));
  });

  it('exports the default process and Node.js metrics under their standard names', async () => {
    const names = [...(await scrape(await gatewayWith())).keys()];
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(names.some((key) => key === name || key.startsWith(`${name}{`)), name).toBe(true);
    }
    expect(names.filter((key) => key.startsWith('realtime_process_'))).toEqual([]);
  });

  it('serves metrics at prometheus.handler_prefix, and not at all when prometheus.enabled is false', async () => {
    const moved = await gatewayWith({ prometheus: { handler_prefix: '/prom' } });
    expect((await fetch(metricsUrl(moved, '/prom'))).status).toBe(200);
    expect((await fetch(metricsUrl(moved))).status).toBe(404);
    const off = await gatewayWith({ prometheus: { enabled: false } });
    expect((await fetch(metricsUrl(off))).status).toBe(404);
  });

  it('names a disconnect reason from the code table, never from the caller\'s text', () => {
    expect(disconnectLabels(3501, 'token required: connect without a token')).toEqual({ code: '3501', reason: 'token_required' });
    expect(disconnectLabels(3501, 'bad request')).toEqual({ code: '3501', reason: 'bad_request' });
    expect(disconnectLabels(3503, 'banned for spam')).toEqual({ code: '3503', reason: 'force_disconnect' });
    expect(disconnectLabels(1006, '')).toEqual({ code: '1006', reason: 'abnormal' });
    expect(disconnectLabels(4999, 'anything')).toEqual({ code: 'other', reason: 'other' });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { until } from '../../server/test/support/client.js';
import { RealtimeClient } from '../src/core/client.js';
import { startFallbackPeer, type FallbackPeer } from './support/fallback-peer.js';

const peers: FallbackPeer[] = [];
const clients: RealtimeClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.release();
  await new Promise((r) => setTimeout(r, 20));
  for (const peer of peers.splice(0)) await peer.close();
});

async function connectThrough(upgrade: 'refuse' | 'hang') {
  const peer = await startFallbackPeer(upgrade);
  peers.push(peer);
  const client = new RealtimeClient(peer.base, () => async () => 'token', { websocket: WebSocket, timeout: 500, minReconnectDelay: 50 });
  clients.push(client);
  client.retain();
  await until(() => client.connection.get().status === 'connected', 5000, 'connected');
  return { peer, client };
}

describe('transport fallback, derived from one base URL', () => {
  it('falls back to HTTP-streaming when the upgrade is refused, and reports why once', async () => {
    const { peer, client } = await connectThrough('refuse');
    const snapshot = client.connection.get();
    expect(snapshot.transport).toBe('http_stream');
    expect(snapshot.fallback).toMatchObject({ from: 'websocket', to: 'http_stream', reason: 'transport_closed', code: 1006 });
    await until(() => peer.reports.length === 1, 5000, 'fallback report');
    const [report] = peer.reports as Array<Record<string, unknown>>;
    expect(report).toMatchObject({ from: 'websocket', to: 'http_stream', reason: 'transport_closed', code: 1006 });
    expect(report!.elapsed_ms).toEqual(expect.any(Number));
    expect(report!.elapsed_ms as number).toBeGreaterThanOrEqual(0);

    // Another client of the same page (same report URL) connecting the same way says nothing new.
    const second = new RealtimeClient(peer.base, () => async () => 'token', { websocket: WebSocket, timeout: 500 });
    clients.push(second);
    second.retain();
    await until(() => second.connection.get().status === 'connected' && peer.streams === 2, 5000, 'second connected');
    expect(second.connection.get().fallback?.to).toBe('http_stream');
    await new Promise((r) => setTimeout(r, 200));
    expect(peer.reports).toHaveLength(1);
  });

  it('reports a timeout, with no close code, when the upgrade is never answered', async () => {
    const { peer, client } = await connectThrough('hang');
    expect(client.connection.get()).toMatchObject({ transport: 'http_stream', fallback: { from: 'websocket', reason: 'timeout', code: null } });
    await until(() => peer.reports.length === 1, 5000, 'fallback report');
    const [report] = peer.reports as Array<Record<string, unknown>>;
    expect(report).toMatchObject({ from: 'websocket', to: 'http_stream', reason: 'timeout' });
    expect(report).not.toHaveProperty('code');
    // The connect timeout (500 ms) passed before the fallback was tried.
    expect(report!.elapsed_ms as number).toBeGreaterThanOrEqual(500);
  });

  it('sends no report when told not to', async () => {
    const peer = await startFallbackPeer('refuse');
    peers.push(peer);
    const client = new RealtimeClient(peer.base, () => async () => 'token', { websocket: WebSocket, timeout: 500 }, { fallbackReportUrl: null });
    clients.push(client);
    client.retain();
    await until(() => client.connection.get().transport === 'http_stream', 5000, 'connected over http_stream');
    await new Promise((r) => setTimeout(r, 200));
    expect(peer.reports).toEqual([]);
  });
});

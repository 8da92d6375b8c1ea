import type { Centrifuge } from 'centrifuge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { follow, newClient, once, until } from './support/client.js';
import { TEST_API_KEY, type TestGateway } from './support/gateway.js';
import { dropPrefix, RedisDeployment, redisUrl, startRedisGateway, stopRedis, uniquePrefix } from './support/redis.js';
import { TcpForwarder } from './support/tcp-fault.js';

const config = { channel: { namespaces: [{ name: 'runs', allow_subscribe_for_client: true }] } };
const prefix = uniquePrefix('cross-node-api');
let url: string;
let deployment: RedisDeployment;
let forwarder: TcpForwarder;
let hung: TestGateway;

/** The raw HTTP answer, so the test sees `{"result":{}}` or `{"error":…}` as a back end does. */
async function post(node: TestGateway, method: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(`${node.apiUrl}/${method}`, { method: 'POST', headers: { 'X-API-Key': TEST_API_KEY, ...headers }, body: JSON.stringify(body) });
  return { status: response.status, json: await response.json() };
}

async function connect(node: TestGateway, user: string): Promise<Centrifuge> {
  const client = newClient(node.url, { token: await node.token(user) });
  deployment.clients.push(client);
  client.connect();
  await client.ready(3000);
  return client;
}

beforeAll(async () => {
  url = await redisUrl();
  // A short command timeout: a node that does not confirm is given up on after 2 × 300 ms.
  const options = { url, prefix, commandTimeout: 300 };
  deployment = await RedisDeployment.start(2, options, config, { captureLogs: true });
  forwarder = await TcpForwarder.start(() => [Number(new URL(url).port)]);
  hung = await startRedisGateway({ ...options, url: `redis://127.0.0.1:${forwarder.port}` }, config);
  await until(async () => (await deployment.nodes[0]!.gateway.node.control.nodes()).length === 3, 5000, 'three nodes registered');
});

afterAll(async () => {
  forwarder.resume();
  await deployment.close();
  await hung.close();
  await forwarder.close();
  await dropPrefix(url, prefix);
  await stopRedis();
});

describe('server API commands across nodes', () => {
  it('answers {} as Centrifugo does once every node ran the disconnect, held the user or not', async () => {
    const [a, b] = deployment.nodes as [TestGateway, TestGateway];
    const onB = await connect(b, 'cross-alice');
    const closed = once<{ code: number }>(onB, 'disconnected');
    expect(await post(a, 'disconnect', { user: 'cross-alice' })).toEqual({ status: 200, json: { result: {} } });
    expect((await closed).code).toBe(3503);
    expect(await post(a, 'disconnect', { user: 'nobody-anywhere' })).toEqual({ status: 200, json: { result: {} } });
  });

  it('names a node that did not confirm with 116, after the disconnect ran on every node that answered', async () => {
    const [a, b] = deployment.nodes as [TestGateway, TestGateway];
    const clients = [await connect(a, 'cross-bob'), await connect(b, 'cross-bob'), await connect(hung, 'cross-bob')];
    const closedOnAnswering = clients.slice(0, 2).map((client) => once<{ code: number }>(client, 'disconnected'));
    forwarder.pause();
    const { uid } = hung.gateway.node;

    const answer = await post(a, 'disconnect', { user: 'cross-bob' });
    expect(answer.status).toBe(200);
    expect(answer.json.error.code).toBe(116);
    expect(answer.json.error.message).toContain(`(${uid}) did not confirm it`);
    expect((await Promise.all(closedOnAnswering)).map((ctx) => ctx.code)).toEqual([3503, 3503]);
    const logged = a.logs.find((line) => line.event === 'api_error' && line.method === 'disconnect');
    expect(logged).toMatchObject({ code: 116 });
    expect(logged?.detail).toContain(uid);

    // The same for the other commands the bus carries; transport error mode gets HTTP 503.
    for (const [method, body] of [['unsubscribe', { user: 'cross-bob', channel: 'runs:x' }], ['subscribe', { user: 'cross-bob', channel: 'runs:x' }], ['refresh', { user: 'cross-bob', expired: true }]] as const) {
      const reply = await post(b, method, body, { 'X-Centrifugo-Error-Mode': 'transport' });
      expect({ method, status: reply.status, code: reply.json.code }).toEqual({ method, status: 503, code: 116 });
    }

    // Back on the bus, the node catches up, and a retry is confirmed by all.
    forwarder.resume();
    await until(() => clients[2]!.state !== 'connected', 5000, 'the late node ran the disconnect');
    expect(await post(a, 'disconnect', { user: 'cross-bob' })).toEqual({ status: 200, json: { result: {} } });
  });

  it('runs a server-side subscribe on every node that holds the user', async () => {
    const [a, b] = deployment.nodes as [TestGateway, TestGateway];
    const onB = await connect(b, 'cross-carol');
    const subscribed = once<{ channel: string }>(onB, 'subscribed');
    expect(await post(a, 'subscribe', { user: 'cross-carol', channel: 'runs:server-side' })).toEqual({ status: 200, json: { result: {} } });
    expect((await subscribed).channel).toBe('runs:server-side');
    const { sub } = await follow(await connect(a, 'cross-dave'), 'runs:client-side');
    const unsubscribed = once<{ code: number }>(sub, 'unsubscribed');
    expect(await post(b, 'unsubscribe', { user: 'cross-dave', channel: 'runs:client-side' })).toEqual({ status: 200, json: { result: {} } });
    expect((await unsubscribed).code).toBe(2000);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../src/auth/mint.js';
import { baseTestConfig, deepMerge, startGateway, TEST_SECRET, writeConfigFile, type TestGateway } from './support/gateway.js';
import { spawnGateway } from './support/process.js';
import { RawClient } from './support/raw-client.js';

/**
 * A text message split into fragments whose first one is not UTF-8. `ws` (8.x) checks UTF-8 only
 * once the message is whole (Receiver#dataMessage, at FIN) and offers no per-fragment hook, so the
 * 1007 cannot come earlier; what the gateway guarantees instead is that a message that never ends
 * is bounded: in size by websocket.message_size_limit (ws counts every fragment against maxPayload),
 * and in time by the app-level ping, whose pong is a message that cannot be sent mid-message.
 * Bun's uWebSockets behaves the same (the third test gets 3012, not an early 1007, on both).
 */
const NOT_UTF8 = Buffer.from([0x7b, 0x80, 0x80]);

const config = { websocket: { message_size_limit: 4096 }, client: { ping_interval: '2s', pong_timeout: '1s' } };

interface Runtime {
  name: string;
  start(): Promise<{ url: string; close(): Promise<void> }>;
}

/** The same rules on both adapters: `ws` under Node, uWebSockets (maxPayloadLength) under Bun. */
const RUNTIMES: Runtime[] = [
  {
    name: 'Node (ws)',
    async start() {
      const gw: TestGateway = await startGateway(config);
      return { url: gw.url, close: () => gw.close() };
    },
  },
  {
    name: 'Bun',
    async start() {
      const gateway = await spawnGateway(['serve', '--config', writeConfigFile(deepMerge(baseTestConfig, config))], {}, undefined, 'bun');
      return {
        url: gateway.url,
        async close() {
          gateway.child.kill('SIGTERM');
          await gateway.exited;
        },
      };
    },
  },
];

describe.each(RUNTIMES)('on $name', (runtime) => {
  let gateway: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    gateway = await runtime.start();
  });
  afterAll(() => gateway?.close());

  async function connected(): Promise<RawClient> {
    const raw = await RawClient.open(gateway.url);
    await raw.connect(await mintToken(TEST_SECRET, { user: 'frag' }));
    return raw;
  }

  describe('fragmented text message with invalid UTF-8', () => {
    it('is closed with 1007 at FIN', async () => {
      const raw = await connected();
      raw.ws.send(NOT_UTF8, { binary: false, fin: false });
      raw.ws.send(Buffer.from('}'), { fin: true });
      expect((await raw.closed).code).toBe(1007);
    });

    it('is closed with 1009 once its fragments pass message_size_limit, without waiting for FIN', async () => {
      const raw = await connected();
      raw.ws.send(NOT_UTF8, { binary: false, fin: false });
      const fragment = Buffer.alloc(1024, 0x20);
      for (let sent = 0; sent <= 4096 && raw.ws.readyState === raw.ws.OPEN; sent += fragment.length) raw.ws.send(fragment, { fin: false });
      expect((await raw.closed).code).toBe(1009);
    });

    it('that never finishes is closed by the missed pong (3012), not held open', async () => {
      const raw = await connected();
      raw.ws.send(NOT_UTF8, { binary: false, fin: false });
      // Mid-message the client cannot send its pong ({} is a message of its own, RFC 6455 §5.4), so it
      // stays silent, as this one does; the session ends after ping_interval + pong_timeout.
      expect((await raw.closed).code).toBe(3012);
    });
  });
});

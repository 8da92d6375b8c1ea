import { parentPort } from 'node:worker_threads';
import { BenchClient } from './client.mjs';
import { mintToken } from './jwt.mjs';
import { now } from './protocols.mjs';

/**
 * Holds a share of the subscribers on its own thread and answers the coordinator's commands:
 * connect, reset (start a measurement), stats, trim (keep the first N), close.
 */
const clients = [];
let delivered = 0;
let samples = [];
let sampling = false;
const MAX_SAMPLES = 200_000;

const onDeliver = (count) => {
  delivered += count;
};
const onStamp = (sentAt) => {
  if (sampling && samples.length < MAX_SAMPLES) samples.push(now() - sentAt);
};

async function connectAll({ target, count, firstIndex, concurrency, sampleEvery, secret, timeoutMs }) {
  const started = performance.now();
  let next = 0;
  let failed = 0;
  const errors = new Map();
  const tokens = Array.from({ length: count }, (_, i) => (secret ? mintToken(secret, `bench-${firstIndex + i}`) : undefined));
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const client = new BenchClient(target.protocol, onDeliver, (firstIndex + i) % sampleEvery === 0 ? onStamp : undefined, target.transport);
      try {
        await client.open({ ...target, role: 'subscriber', token: tokens[i], subscribe: true, timeoutMs });
        clients.push(client);
      } catch (error) {
        failed++;
        errors.set(error.message, (errors.get(error.message) ?? 0) + 1);
        client.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return { connected: clients.length, failed, ms: performance.now() - started, errors: Object.fromEntries(errors) };
}

parentPort.on('message', async (message) => {
  switch (message.cmd) {
    case 'connect':
      return parentPort.postMessage(await connectAll(message));
    case 'reset':
      delivered = 0;
      samples = [];
      sampling = true;
      return parentPort.postMessage({ ok: true });
    case 'stats':
      return parentPort.postMessage({ delivered, open: clients.filter((c) => !c.closed).length, samples: message.withSamples ? samples : [] });
    case 'trim':
      for (const client of clients.splice(message.keep)) client.close();
      return parentPort.postMessage({ open: clients.length });
    case 'close':
      for (const client of clients.splice(0)) client.close();
      return parentPort.postMessage({ ok: true });
  }
});

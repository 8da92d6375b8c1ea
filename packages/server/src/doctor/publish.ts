import { randomUUID } from 'node:crypto';
import { postApi, type ApiAnswer } from './api.js';
import type { ProtocolSession } from './protocol.js';
import { failure, type StepOutcome } from './types.js';

/** Step 8: publish through the server API and time the publication back to this socket. */
export async function checkPublish(session: ProtocolSession, options: { apiUrl: string; apiKey: string; channel: string; timeoutMs: number }): Promise<StepOutcome> {
  const nonce = randomUUID();
  const started = performance.now();
  let arrivedAt: number | undefined;
  const arrived = new Promise<void>((resolve) => {
    const off = session.onPush((push) => {
      if (push.channel === options.channel && push.pub?.data?.doctor === nonce) {
        arrivedAt = performance.now();
        off();
        resolve();
      }
    });
  });
  let answer: ApiAnswer;
  try {
    answer = await postApi(options.apiUrl, 'publish', options.apiKey, { channel: options.channel, data: { doctor: nonce } }, options.timeoutMs);
  } catch (error) {
    return failure('api_unreachable', `POST ${options.apiUrl}/publish failed: ${(error as Error).message}`, 'Pass --api-url with the address of the server API (it is not always exposed next to the WebSocket).');
  }
  const details = [`POST ${options.apiUrl}/publish → HTTP ${answer.status}`];
  const error = answer.json?.error;
  if (answer.status === 401 || error?.code === 101) return failure('api_key_rejected', `the API refused the key: ${error?.message ?? answer.status}`, 'Use http_api.key of the gateway (X-API-Key header).', details);
  if (answer.status === 404) return failure('api_not_found', `no publish method at ${options.apiUrl}/publish`, 'Pass --api-url (the gateway serves it at http_api.handler_prefix, /api by default).', details);
  if (error || answer.status !== 200) return failure('publish_refused', `publish failed: ${error ? `${error.code} ${error.message}` : `HTTP ${answer.status}`}`, 'See the API error above and the gateway logs.', details);
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.timeoutMs).unref());
  await Promise.race([arrived, timeout]);
  if (arrivedAt === undefined) {
    return failure('publication_lost', `the API accepted the publication but it did not arrive on this socket within ${options.timeoutMs} ms`, 'Nodes behind a load balancer must share a broker (Redis): with the memory broker, each node only delivers its own publications.', details);
  }
  details.push(`round trip API → socket ${(arrivedAt - started).toFixed(1)} ms`);
  return { details };
}

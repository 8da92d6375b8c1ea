import type { Socket } from 'node:net';
import { checkConnect, type Connected } from './connect.js';
import { resolveHost } from './dns.js';
import { checkPing } from './ping.js';
import { defaultApiUrl } from './api.js';
import { checkPublish } from './publish.js';
import { checkSubscribe } from './subscribe.js';
import { connectTcp } from './tcp.js';
import { checkTls } from './tls.js';
import { probeTransports, type TransportProbe } from './transports.js';
import { skipped, type DoctorOptions, type StepId, type StepOutcome, type StepResult } from './types.js';
import { checkUpgrade } from './upgrade.js';
import { checkUrl, defaultPort } from './url.js';

const TITLES: Record<StepId, string> = {
  url: 'URL',
  dns: 'DNS lookup',
  tcp: 'TCP connect',
  tls: 'TLS',
  upgrade: 'HTTP upgrade',
  connect: 'Protocol connect',
  subscribe: 'Subscribe',
  publish: 'Publish round trip',
  ping: 'Ping/pong',
};

export interface DoctorReport {
  url: string;
  origin?: string;
  /** Every step passed or was skipped for lack of an option. */
  ok: boolean;
  steps: StepResult[];
  /** Each transport of the SDK's fallback list, in its order: which ones get through from here. */
  transports: TransportProbe[];
}

/** A fallback probe waits at most this long for its first message. */
const PROBE_TIMEOUT_MS = 3_000;

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Runs the connection the way a browser makes it, one step after the other; after the first
 * failure the rest are skipped, since each needs the one before.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const steps: StepResult[] = [];
  let failed: string | undefined;

  async function step<T>(id: StepId, body: () => Promise<{ value?: T; outcome: StepOutcome }>): Promise<T | undefined> {
    if (failed) {
      steps.push({ id, title: TITLES[id], status: 'skip', ms: 0, details: [`not run: ${failed} failed`], warnings: [] });
      return undefined;
    }
    const started = performance.now();
    const { value, outcome } = await body();
    const result: StepResult = { id, title: TITLES[id], ms: Math.round((performance.now() - started) * 10) / 10, ...outcome, status: outcome.status ?? 'pass', details: outcome.details ?? [], warnings: outcome.warnings ?? [] };
    steps.push(result);
    if (result.status === 'fail') failed = TITLES[id];
    return value;
  }

  const url = await step('url', async () => {
    const { url, outcome } = checkUrl(options.url, options.origin);
    return { value: url, outcome };
  });
  const addresses = await step('dns', async () => {
    const { addresses, outcome } = await resolveHost(url!.hostname);
    return { value: addresses, outcome };
  });
  let socket = await step<Socket>('tcp', async () => {
    const { socket, outcome } = await connectTcp(addresses!, defaultPort(url!), timeoutMs);
    return { value: socket, outcome };
  });
  if (url?.protocol === 'wss:' || !url) {
    socket = await step<Socket>('tls', async () => {
      const { socket: tls, outcome } = await checkTls(socket!, url!.hostname, options.ca, timeoutMs);
      return { value: tls, outcome };
    });
  } else {
    await step('tls', async () => ({ outcome: skipped('ws:// URL: no TLS (browsers on an https:// page refuse it)') }));
  }
  await step('upgrade', async () => ({ outcome: await checkUpgrade(socket!, url!, options.origin, timeoutMs) }));

  // With the API key doctor publishes, and asks the gateway why it refuses a token.
  const api = url && options.apiKey ? { apiUrl: options.apiUrl ?? defaultApiUrl(url), apiKey: options.apiKey } : undefined;
  const connected = await step<Connected>('connect', async () => {
    const { connected, outcome } = await checkConnect(url!, { ...options, timeoutMs, ...(api ? { api } : {}) });
    return { value: connected, outcome };
  });
  const { channel } = options;
  await step('subscribe', async () => ({
    outcome: channel ? await checkSubscribe(connected!.session, channel, timeoutMs) : skipped('no --channel given'),
  }));
  await step('publish', async () => ({
    outcome: channel && api
      ? await checkPublish(connected!.session, { ...api, channel, timeoutMs })
      : skipped(channel ? 'no --api-key given' : 'needs --channel and --api-key'),
  }));
  await step('ping', async () => ({ outcome: await checkPing(connected!, options.pingWaitMs) }));
  connected?.session.close();

  const transports = url && options.transports !== false
    ? await probeTransports(url, steps, { ...(options.origin ? { origin: options.origin } : {}), ...(options.token ? { token: options.token } : {}), timeoutMs: Math.min(timeoutMs, PROBE_TIMEOUT_MS) })
    : [];
  return { url: options.url, ...(options.origin ? { origin: options.origin } : {}), ok: !steps.some((s) => s.status === 'fail'), steps, transports };
}

import type { StepResult } from './types.js';

export type ProbedTransport = 'websocket' | 'http_stream' | 'sse';

/** Whether one transport of the SDK's fallback list gets through from where doctor runs. */
export interface TransportProbe {
  transport: ProbedTransport;
  status: 'pass' | 'fail';
  ms: number;
  detail: string;
  problem?: string;
  fix?: string;
}

export interface ProbeOptions {
  origin?: string;
  token?: string;
  timeoutMs: number;
}

const PATHS: Record<Exclude<ProbedTransport, 'websocket'>, string> = { http_stream: '/connection/http_stream', sse: '/connection/sse' };

/** The gateway's base URL from its WebSocket URL: the HTTP transports live beside it. */
export function httpBase(wsUrl: URL): string {
  const path = wsUrl.pathname.replace(/\/(connection\/websocket|ws)\/?$/, '');
  return `${wsUrl.protocol === 'wss:' ? 'https:' : 'http:'}//${wsUrl.host}${path}`;
}

function fail(transport: ProbedTransport, started: number, detail: string, problem: string, fix: string): TransportProbe {
  return { transport, status: 'fail', ms: Math.round(performance.now() - started), detail, problem, fix };
}

function fromStatus(transport: ProbedTransport, started: number, status: number, body: string): TransportProbe {
  const said = body.trim().slice(0, 200);
  if (status === 403) return fail(transport, started, `HTTP 403: ${said}`, 'origin_not_allowed', 'Add the page origin to client.allowed_origins (the same list guards every transport).');
  if (status === 404) return fail(transport, started, 'HTTP 404: nothing serves this path', 'transport_not_served', `Turn ${transport}.enabled on, or route ${PATHS[transport as keyof typeof PATHS]} to the gateway in the proxy.`);
  if (status === 502 || status === 503 || status === 504) return fail(transport, started, `HTTP ${status} from a proxy or the gateway: ${said}`, 'upstream_unavailable', 'Check that the proxy reaches the gateway, and its read timeout for long responses (nginx proxy_read_timeout).');
  return fail(transport, started, `HTTP ${status}: ${said}`, `http_${status}`, 'See the gateway log line for this request.');
}

/**
 * Opens the transport as the SDK would and waits for the first protocol message: a connect reply,
 * or a disconnect push when the connect itself is refused (that is the connect step's business;
 * the transport carried it). Headers with no message in time mean something buffers the response.
 */
async function probe(transport: Exclude<ProbedTransport, 'websocket'>, base: string, options: ProbeOptions): Promise<TransportProbe> {
  const started = performance.now();
  const connect = JSON.stringify({ id: 1, connect: { ...(options.token ? { token: options.token } : {}), name: 'renum-realtime-doctor' } });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const headers: Record<string, string> = options.origin ? { Origin: options.origin } : {};
  try {
    const response = transport === 'http_stream'
      ? await fetch(`${base}${PATHS.http_stream}`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: connect, signal: controller.signal })
      : await fetch(`${base}${PATHS.sse}?cf_connect=${encodeURIComponent(connect)}`, { headers: { ...headers, Accept: 'text/event-stream' }, signal: controller.signal });
    if (response.status !== 200) return fromStatus(transport, started, response.status, await response.text());
    const reader = response.body!.getReader();
    let text = '';
    const message = transport === 'http_stream' ? /\{.*\}\n/ : /data: \{.*\}\n/;
    try {
      while (!message.test(text)) {
        const { done, value } = await reader.read();
        if (done) return fail(transport, started, 'the response ended before any message', 'stream_ended', 'Something between closes long responses; check the proxy.');
        text += new TextDecoder().decode(value);
      }
    } catch {
      return fail(transport, started, `HTTP 200, then no message within ${options.timeoutMs} ms`, 'response_buffered',
        'A proxy buffers the response: turn buffering off for the connection paths (nginx: proxy_buffering off; the gateway also sends X-Accel-Buffering: no).');
    }
    controller.abort();
    const first = JSON.parse(text.slice(text.indexOf('{'), text.indexOf('\n', text.indexOf('{'))));
    const refused = first.push?.disconnect;
    const detail = refused ? `streams; the connect itself was refused (${refused.code} ${refused.reason}): see Protocol connect` : 'streams: connect reply received';
    return { transport, status: 'pass', ms: Math.round(performance.now() - started), detail };
  } catch (error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    if ((error as Error).name === 'AbortError') return fail(transport, started, `no answer within ${options.timeoutMs} ms`, 'timeout', 'Check that the gateway is reachable from here.');
    return fail(transport, started, `request failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`, 'request_failed', 'The same network problem as the WebSocket steps above, if any.');
  } finally {
    clearTimeout(timer);
  }
}

/** WebSocket from the steps already run, then each HTTP fallback probed on its own. */
export async function probeTransports(wsUrl: URL, steps: StepResult[], options: ProbeOptions): Promise<TransportProbe[]> {
  const upgrade = steps.find((s) => s.id === 'upgrade');
  const failedAt = steps.find((s) => s.status === 'fail' && ['url', 'dns', 'tcp', 'tls', 'upgrade'].includes(s.id));
  const websocket: TransportProbe = failedAt
    ? { transport: 'websocket', status: 'fail', ms: upgrade?.ms ?? 0, detail: `${failedAt.title}: ${failedAt.problem ?? 'failed'}`, ...(failedAt.problem ? { problem: failedAt.problem } : {}), ...(failedAt.fix ? { fix: failedAt.fix } : {}) }
    : { transport: 'websocket', status: 'pass', ms: upgrade?.ms ?? 0, detail: 'upgrade accepted' };
  const base = httpBase(wsUrl);
  const [stream, sse] = await Promise.all([probe('http_stream', base, options), probe('sse', base, options)]);
  return [websocket, stream, sse];
}

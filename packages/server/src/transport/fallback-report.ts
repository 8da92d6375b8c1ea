import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { RequestBodyError, readLimitedBody, sendPlain } from './http-stream.js';
import { transportCors, type Admission } from './policy.js';

const MAX_REPORT_BYTES = 1024;
const bidirectional = z.enum(['websocket', 'http_stream', 'sse']);

/** Only fixed values reach the metric's labels: a client cannot mint new series. */
const fallbackReport = z.object({
  from: bidirectional,
  to: bidirectional,
  reason: z.enum(['timeout', 'transport_closed', 'error']),
  code: z.number().int().min(0).max(4999).optional(),
  elapsed_ms: z.number().min(0).max(600_000),
});

/**
 * `POST /connection/fallback`: a client that connected over a fallback says which transport
 * failed first and why, so operators see which networks block WebSockets. Counted in
 * `realtime_transport_fallbacks_total` and shown on the admin Transports page.
 */
export async function serveFallbackReport({ node, policy, addresses }: Admission, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const origin = req.headers.origin;
  const cors = transportCors(policy, origin);
  const fail = (status: number, detail: string): void => {
    node.log.warn({ event: 'fallback_report_rejected', status, origin, detail }, 'fallback report refused');
    sendPlain(res, status, detail, cors);
  };
  if (req.method !== 'POST') return fail(405, 'fallback reports take POST');
  if (!policy.check(origin).allowed) return fail(403, policy.check(origin).reason);
  let report;
  try {
    report = fallbackReport.safeParse(JSON.parse(await readLimitedBody(req, MAX_REPORT_BYTES)));
  } catch (error) {
    return fail(error instanceof RequestBodyError ? error.status : 400, error instanceof RequestBodyError ? error.message : 'report is not valid JSON');
  }
  if (!report.success) return fail(400, 'report needs from and to (websocket, http_stream or sse), reason (timeout, transport_closed or error) and elapsed_ms');
  const { from, to, reason, code, elapsed_ms: elapsedMs } = report.data;
  node.metrics.transportFallbacks.inc({ from, to, reason });
  node.events.fellBack({ from, to, reason, ...(code !== undefined ? { code } : {}), elapsedMs, origin, remoteAddress: addresses.ofRequest(req) });
  node.log.info({ event: 'transport_fallback', from, to, reason, code, elapsed_ms: elapsedMs, origin }, 'client fell back to another transport');
  res.writeHead(204, cors);
  res.end();
}

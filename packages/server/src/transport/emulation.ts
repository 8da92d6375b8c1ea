import type { IncomingMessage, ServerResponse } from 'node:http';
import { DecodeError, decodeProtobufEmulationRequest } from '@renum-realtime/protocol';
import { z } from 'zod';
import type { Frame } from '../core/index.js';
import { RequestBodyError, isProtobufBody, readLimitedBytes, sendPlain } from './http-stream.js';
import { transportCors, type Admission } from './policy.js';

/** What the SDK posts for each command of an http_stream or sse session (protocol EmulationRequest). */
const emulationRequest = z.object({
  node: z.string().min(1).max(64),
  session: z.string().min(1).max(64),
  /** The commands, JSON-encoded as the SDK frames them for a WebSocket. */
  data: z.string(),
});

interface EmulationRequest {
  node: string;
  session: string;
  data: Frame;
}

/** A JSON emulation request, or why it is refused. */
function jsonRequest(text: string): EmulationRequest | string {
  let parsed;
  try {
    parsed = emulationRequest.safeParse(JSON.parse(text));
  } catch {
    return 'emulation request is not valid JSON';
  }
  return parsed.success ? parsed.data : 'emulation request needs string fields node, session and data';
}

/** The SDK's protobuf build posts an `EmulationRequest` message; its `data` is the commands' bytes. */
function protobufRequest(bytes: Uint8Array): EmulationRequest | string {
  try {
    const request = decodeProtobufEmulationRequest(bytes);
    if (request.node.length > 64 || request.session.length > 64) return 'emulation request node and session are at most 64 characters';
    return request;
  } catch (error) {
    if (error instanceof DecodeError) return `protobuf emulation request does not decode: ${error.reason}`;
    throw error;
  }
}

/**
 * `POST /emulation`: the commands of an HTTP-streaming or SSE session, addressed by node and
 * session. The node that holds the session gets them through the control bus when another node
 * took the request, so no sticky sessions are needed. Answers as the SDK expects: 204 once handed
 * over (also when the session is gone: its stream ends then), 404 for a node that is not live
 * (the SDK reconnects), 503 when the owning node did not answer.
 */
export async function serveEmulation(admission: Admission, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { node, policy } = admission;
  const { log, config } = node;
  const origin = req.headers.origin;
  const cors = transportCors(policy, origin);
  const fail = (status: number, reason: string, detail: string, fields: Record<string, unknown> = {}): void => {
    log.warn({ event: 'emulation_rejected', status, reason, origin, ...fields }, detail);
    sendPlain(res, status, detail, cors);
  };
  if (req.method !== 'POST') return fail(405, 'method_not_allowed', 'emulation takes POST');
  if (!policy.check(origin).allowed) return fail(403, 'origin_not_allowed', policy.check(origin).reason);
  let body: Buffer;
  try {
    body = await readLimitedBytes(req, config.emulation.max_request_body_size);
  } catch (error) {
    if (error instanceof RequestBodyError) return fail(error.status, 'body_too_large', error.message);
    throw error;
  }
  const parsed = isProtobufBody(req) ? protobufRequest(body) : jsonRequest(body.toString('utf8'));
  if (typeof parsed === 'string') return fail(400, 'bad_request', parsed);
  const { node: target, session, data } = parsed;
  let outcome;
  try {
    outcome = await node.emulate(target, session, data);
  } catch (error) {
    return fail(503, 'node_unreachable', `the node holding the session did not answer: ${(error as Error).message}`, { node: target });
  }
  if (outcome === 'no_node') return fail(404, 'unknown_node', 'no live node holds this session; reconnect', { node: target });
  if (outcome === 'no_session') log.info({ event: 'emulation_no_session', node: target, session }, 'emulation request for a session that is gone');
  res.writeHead(204, cors);
  res.end();
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleAdminRequest } from '../admin/index.js';
import { handleApiRequest, sendJson } from '../api/http.js';
import type { RealtimeNode } from '../node.js';
import { corsHeaders, type OriginPolicy } from '../policy/origin.js';
import { attachWebSocketEndpoint } from '../transport/node-ws.js';

/**
 * The gateway's HTTP routes: the server API, health and metrics. The API answers CORS with the
 * same origin policy as the WebSocket upgrade. Runtime adapters without node:http (Bun) call it too.
 */
export function createRequestListener(node: RealtimeNode, policy: OriginPolicy): (req: IncomingMessage, res: ServerResponse) => void {
  const { config, log } = node;
  const apiPrefix = config.http_api.handler_prefix;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const path = url.pathname;
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const ready = !node.isDraining;
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'draining' });
    }
    if (config.prometheus.enabled && path === config.prometheus.handler_prefix) {
      const body = await node.metrics.registry.metrics();
      res.writeHead(200, { 'Content-Type': node.metrics.registry.contentType });
      return void res.end(body);
    }
    if (path === '/admin' || path.startsWith('/admin/')) return handleAdminRequest(node, req, res, url);
    if (path.startsWith(`${apiPrefix}/`)) {
      const origin = req.headers.origin;
      if (origin) {
        const headers = corsHeaders(policy, origin, req.headers['access-control-request-headers']);
        if (!headers) {
          node.metrics.handshakeRejections.inc({ reason: 'origin_not_allowed' });
          log.warn({ event: 'cors_rejected', reason: 'origin_not_allowed', origin, profile: config.environment, path }, 'API request from a disallowed origin');
          return sendJson(res, 403, { error: { code: 103, message: policy.check(origin).reason } });
        }
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      }
      if (req.method === 'OPTIONS') {
        res.writeHead(204);
        return void res.end();
      }
      return handleApiRequest(node, req, res, url);
    }
    sendJson(res, 404, { error: { code: 104, message: `not found: ${path}` } });
  };

  return (req, res) => {
    route(req, res).catch((err) => {
      log.error({ err, url: req.url }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: { code: 100, message: 'internal server error' } });
      else res.destroy();
    });
  };
}

/** The gateway's one HTTP server on Node: the routes above plus WebSocket upgrades. */
export function createHttpServer(node: RealtimeNode, policy: OriginPolicy): Server {
  const server = createServer(createRequestListener(node, policy));
  attachWebSocketEndpoint(server, node, policy);
  return server;
}

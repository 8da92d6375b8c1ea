import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleApiRequest, KeyGuessThrottle, sendJson } from '../api/http.js';
import type { ServerApi } from '../api/methods.js';
import type { RealtimeNode } from '../core/index.js';
import type { RouteHandler } from '../extension.js';
import { corsHeaders, type OriginPolicy } from '../policy/origin.js';
import { serveEmulation } from '../transport/emulation.js';
import { serveFallbackReport } from '../transport/fallback-report.js';
import type { Endpoints } from '../transport/endpoints.js';
import { sendPlain, serveStream } from '../transport/http-stream.js';
import { transportCors, type Admission } from '../transport/policy.js';

/** Everything the gateway's HTTP side serves, handed to the runtime adapter that listens. */
export interface HttpApp {
  readonly node: RealtimeNode;
  readonly policy: OriginPolicy;
  /** The checks every new connection passes first, shared by all transports. */
  readonly admission: Admission;
  readonly api: ServerApi;
  readonly endpoints: Endpoints;
  /** Extension routes by path prefix. */
  readonly routes: ReadonlyMap<string, RouteHandler>;
  /** What `/readyz` reports: the node, the broker and what extensions depend on. */
  readiness(): Promise<Readiness>;
}

export interface Readiness {
  ready: boolean;
  status: 'ready' | 'draining' | 'degraded';
  /** Each dependency: "ok", or why it is not. */
  checks: Record<string, string>;
}

function routeFor(routes: ReadonlyMap<string, RouteHandler>, path: string): RouteHandler | undefined {
  for (const [prefix, handler] of routes) if (path === prefix || path.startsWith(`${prefix}/`)) return handler;
  return undefined;
}

/**
 * A CORS preflight for a connection endpoint: answered from the origin allowlist, like the
 * connection itself. An origin that is not allowed gets 403 and no CORS headers.
 */
function preflight(app: HttpApp, req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (origin && !app.policy.check(origin).allowed) return sendPlain(res, 403, app.policy.check(origin).reason);
  res.writeHead(204, transportCors(app.policy, origin, req.headers['access-control-request-headers']));
  res.end();
}

/**
 * The gateway's HTTP routes: the HTTP transports, the server API, health, metrics and extension
 * routes. The API answers CORS with the same origin policy as the connections. Runtime adapters
 * without node:http (Bun) call it too.
 */
export function createRequestListener(app: HttpApp): (req: IncomingMessage, res: ServerResponse) => void {
  const { node, policy } = app;
  const { config, log } = node;
  const apiPrefix = config.http_api.handler_prefix;
  const { admission } = app;
  const keyGuesses = new KeyGuessThrottle();

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const path = url.pathname;
    const endpoint = app.endpoints.http.get(path);
    if (endpoint) {
      if (req.method === 'OPTIONS') return preflight(app, req, res);
      if (endpoint === 'emulation') return serveEmulation(admission, req, res);
      if (endpoint === 'fallback_report') return serveFallbackReport(admission, req, res);
      return serveStream(admission, endpoint, req, res, url);
    }
    if (app.endpoints.webSockets.has(path)) {
      // A plain request on the WebSocket path: its upgrade headers were lost on the way (RFC 9110 §15.5.22).
      res.setHeader('Upgrade', 'websocket');
      return sendJson(res, 426, { error: { code: 104, message: `${path} takes a WebSocket upgrade; this request arrived without its Upgrade and Connection headers (a proxy in between drops them?)` } });
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    // Centrifugo's health endpoint answers an empty object.
    if (config.health.enabled && path === config.health.handler_prefix) return sendJson(res, 200, {});
    if (path === '/readyz') {
      const readiness = await app.readiness();
      return sendJson(res, readiness.ready ? 200 : 503, readiness);
    }
    if (config.prometheus.enabled && path === config.prometheus.handler_prefix) {
      const body = await node.metrics.registry.metrics();
      res.writeHead(200, { 'Content-Type': node.metrics.registry.contentType });
      return void res.end(body);
    }
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
      return handleApiRequest(app.api, keyGuesses, admission.addresses.ofRequest(req) ?? 'unknown', req, res, url);
    }
    const extension = routeFor(app.routes, path);
    if (extension) return extension(req, res, url);
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

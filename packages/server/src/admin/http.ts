import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiErrorCodes, ErrorCodes } from '@renum-realtime/protocol';
import { ApiError } from '../api/errors.js';
import { readBody, sendJson } from '../api/http.js';
import type { ClientAddresses } from '../http/client-address.js';
import { readHandlers, writeHandlers, type AdminApiContext } from './api.js';
import { CSRF_HEADER, SESSION_COOKIE, readCookie, sessionCookie, type AdminAuth, type AdminSession } from './auth.js';
import { ADMIN_API_PREFIX } from './off.js';
import type { LoginThrottle } from './throttle.js';

export interface AdminApiServer {
  ctx: AdminApiContext;
  auth: AdminAuth;
  throttle: LoginThrottle;
  /** The lockout keys on the client behind `http_server.trusted_proxies`, not on the proxy. */
  addresses: ClientAddresses;
  /** Adds `Secure` to the cookie: set behind TLS (the production profile). */
  secureCookie: boolean;
}

function sendError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  sendJson(res, status, { error: { code, message } });
}

/**
 * A state-changing call must come from the page itself. Browsers send `Origin` on every POST and
 * `Sec-Fetch-Site` on modern ones; either naming another site is refused, before the CSRF token.
 */
function sameOrigin(req: IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return false;
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

async function jsonBody(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(ApiErrorCodes.badRequest, 'body is not valid JSON');
  }
}

async function login(server: AdminApiServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { auth, throttle, ctx } = server;
  const address = server.addresses.ofRequest(req) ?? 'unknown';
  const waitMs = throttle.retryAfterMs(address);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    ctx.node.log.warn({ event: 'admin_login_throttled', address, retry_after_s: seconds }, 'admin login throttled');
    return sendError(res, 429, ErrorCodes.tooManyRequests.code, `too many failed logins: try again in ${seconds} s`, { 'Retry-After': String(seconds) });
  }
  const body = (await jsonBody(req)) as { password?: unknown };
  if (!auth.passwordMatches(body?.password)) {
    throttle.failed(address);
    ctx.node.log.warn({ event: 'admin_login_failed', address }, 'admin login with a wrong password');
    return sendError(res, 401, ApiErrorCodes.unauthorized.code, 'wrong password');
  }
  throttle.succeeded(address);
  const { cookie, session } = auth.issue();
  ctx.node.log.info({ event: 'admin_login', address }, 'admin logged in');
  res.setHeader('Set-Cookie', sessionCookie(cookie, Math.floor((session.expiresAt - Date.now()) / 1000), server.secureCookie));
  sendJson(res, 200, { csrf: auth.csrfToken(session), expiresAt: session.expiresAt });
}

async function route(server: AdminApiServer, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const name = url.pathname.slice(ADMIN_API_PREFIX.length);
  const method = req.method ?? 'GET';
  const isWrite = name === 'login' || name === 'logout' || Object.hasOwn(writeHandlers, name);
  if (!isWrite && name !== 'session' && !Object.hasOwn(readHandlers, name)) {
    return sendError(res, 404, ApiErrorCodes.notFound.code, `no admin endpoint ${name.slice(0, 64)}`);
  }
  if (method !== (isWrite ? 'POST' : 'GET')) {
    return sendError(res, 405, ApiErrorCodes.methodNotAllowed.code, `use ${isWrite ? 'POST' : 'GET'}`, { Allow: isWrite ? 'POST' : 'GET' });
  }
  if (isWrite && !sameOrigin(req)) return sendError(res, 403, ApiErrorCodes.permissionDenied.code, 'cross-site request refused');
  if (name === 'login') return login(server, req, res);

  const session: AdminSession | undefined = server.auth.verify(readCookie(req, SESSION_COOKIE));
  if (!session) return sendError(res, 401, ApiErrorCodes.unauthorized.code, 'not logged in');
  if (isWrite && !server.auth.csrfMatches(session, req.headers[CSRF_HEADER])) {
    return sendError(res, 403, ApiErrorCodes.permissionDenied.code, `missing or wrong ${CSRF_HEADER} header`);
  }
  if (name === 'session') return sendJson(res, 200, { csrf: server.auth.csrfToken(session), expiresAt: session.expiresAt });
  if (name === 'logout') {
    res.setHeader('Set-Cookie', sessionCookie('', 0, server.secureCookie));
    return sendJson(res, 200, {});
  }
  const handler = isWrite ? writeHandlers[name] : readHandlers[name];
  const body = isWrite ? await jsonBody(req) : undefined;
  sendJson(res, 200, await handler!(server.ctx, { query: url.searchParams, body }));
}

/** `/admin/api/*`: JSON in and out, errors as `{"error":{"code","message"}}` with an HTTP status. */
export async function handleAdminApi(server: AdminApiServer, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  res.setHeader('Cache-Control', 'no-store');
  try {
    await route(server, req, res, url);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    server.ctx.node.log.warn({ event: 'admin_api_error', path: url.pathname, code: error.error.code, detail: error.detail }, 'admin request failed');
    sendError(res, error.error.status, error.error.code, error.message);
  }
}

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { ApiErrorCodes } from '@renum-realtime/protocol';
import { sendJson } from '../api/http.js';
import { LocalControl } from '../broker/control.js';
import { keptSecret } from '../config/local-secrets.js';
import type { GatewayExtension } from '../extension.js';
import type { RealtimeNode } from '../node.js';
import { AdminAuth } from './auth.js';
import { ClusterAdminSource } from './cluster-source.js';
import { ADMIN_API_PREFIX, handleAdminApi, type AdminApiServer } from './http.js';
import { LocalAdminSource } from './source.js';
import { DEFAULT_ASSETS_DIR, sendNotice, serveDashboard } from './static.js';
import { SAMPLE_INTERVAL_MS, StatsHistory } from './stats.js';
import { LoginThrottle } from './throttle.js';

/** What the admin pages need from the config (`admin.*` keys). */
export interface AdminOptions {
  enabled: boolean;
  /** Without one the admin is off, except in the local profile where one is made up and logged. */
  password?: string;
  /** Signs session cookies; give every node the same one so a login works on all of them. */
  secret?: string;
  /** Where "broadcast to all users" publishes; clients subscribe to it. */
  broadcastChannel?: string;
  /** Wrong passwords per client address before each further one locks it out (1 s, 2 s, 4 s …). */
  loginAttemptsBeforeBackoff?: number;
  sampleIntervalMs?: number;
  /** The built dashboard (apps/dashboard/dist). */
  assetsDir?: string;
}

const HOW_TO_ENABLE = [
  'Set admin.enabled to true and give admin.password (the login password) and admin.secret (a long random string that signs the session cookie) in the config file,',
  'or the variables REALTIME_ADMIN_ENABLED=true, REALTIME_ADMIN_PASSWORD and REALTIME_ADMIN_SECRET, then restart the gateway.',
];

type AdminState = { on: true; api: AdminApiServer; assetsDir: string } | { on: false; why: string };

/** Nodes with the admin extension; the HTTP server looks the node up here on every `/admin` request. */
const running = new WeakMap<RealtimeNode, AdminState>();

function resolveState(node: RealtimeNode, options: AdminOptions, stats: StatsHistory): AdminState {
  const { environment } = node.config;
  if (!options.enabled) return { on: false, why: 'The admin dashboard is turned off (admin.enabled is false).' };
  let password = options.password ?? '';
  if (password === '') {
    if (environment !== 'local') return { on: false, why: `The admin dashboard is off: no admin.password is configured (${environment} profile).` };
    const file = join(node.config.data_dir, 'local-admin-password');
    password = keptSecret(node.config.data_dir, file);
    node.log.warn({ event: 'admin_password_generated', file }, 'no admin.password configured: the local profile keeps a generated one in this file');
  }
  const secret = options.secret || randomBytes(32).toString('base64url');
  if (!options.secret) node.log.warn({ event: 'admin_secret_generated' }, 'no admin.secret configured: admin logins last until restart and work on this node only');
  return {
    on: true,
    assetsDir: resolve(options.assetsDir ?? DEFAULT_ASSETS_DIR),
    api: {
      // Another control bus than the local one links several nodes: the pages show them all.
      ctx: { node, source: node.control instanceof LocalControl ? new LocalAdminSource(node) : new ClusterAdminSource(node), stats, broadcastChannel: options.broadcastChannel ?? 'broadcast' },
      auth: new AdminAuth(password, secret),
      throttle: new LoginThrottle(options.loginAttemptsBeforeBackoff),
      secureCookie: environment === 'production',
    },
  };
}

/** The admin dashboard as a gateway extension: pass it in `GatewayOptions.extensions`. */
export function createAdminExtension(options: AdminOptions): GatewayExtension {
  let stats: StatsHistory | undefined;
  return {
    name: 'admin',
    async start(node) {
      stats = new StatsHistory(node, options.sampleIntervalMs ?? SAMPLE_INTERVAL_MS);
      const state = resolveState(node, options, stats);
      running.set(node, state);
      if (state.on) stats.start();
    },
    async stop() {
      stats?.stop();
    },
  };
}

/** `/admin`, `/admin/…` and `/admin/api/…`, called by the gateway's HTTP server. */
export async function handleAdminRequest(node: RealtimeNode, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const state = running.get(node) ?? { on: false, why: 'The admin dashboard is not part of this gateway.' };
  if (!state.on) {
    if (url.pathname.startsWith(ADMIN_API_PREFIX)) return sendJson(res, 404, { error: { code: ApiErrorCodes.notFound.code, message: [state.why, ...HOW_TO_ENABLE].join(' ') } });
    return sendNotice(res, 404, 'Admin dashboard is off', [state.why, ...HOW_TO_ENABLE]);
  }
  if (url.pathname.startsWith(ADMIN_API_PREFIX)) return handleAdminApi(state.api, req, res, url);
  if (url.pathname === '/admin') {
    res.writeHead(308, { Location: '/admin/' });
    return void res.end();
  }
  return serveDashboard(state.assetsDir, url.pathname.slice('/admin'.length), res);
}

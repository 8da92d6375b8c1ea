import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { LocalControl } from '../broker/control.js';
import { keptSecret } from '../config/local-secrets.js';
import type { GatewayExtension, GatewayHost } from '../extension.js';
import { ClientAddresses } from '../http/client-address.js';
import { AdminAuth } from './auth.js';
import { ClusterAdminSource } from './cluster-source.js';
import { handleAdminApi, type AdminApiServer } from './http.js';
import { FallbackTally } from './fallback-tally.js';
import { RejectionLog } from './rejection-log.js';
import { LocalAdminSource } from './source.js';
import { ADMIN_API_PREFIX, ADMIN_PREFIX, serveAdminOff } from './off.js';
import { DEFAULT_ASSETS_DIR, serveDashboard } from './static.js';
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


type AdminState = { on: true; api: AdminApiServer; assetsDir: string } | { on: false; why: string };

function resolveState({ node, api }: GatewayHost, options: AdminOptions, stats: StatsHistory, rejections: RejectionLog, fallbacks: FallbackTally): AdminState {
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
  const local = new LocalAdminSource(node, rejections, fallbacks);
  return {
    on: true,
    assetsDir: resolve(options.assetsDir ?? DEFAULT_ASSETS_DIR),
    api: {
      // Another control bus than the local one links several nodes: the pages show them all.
      ctx: { node, api, source: node.control instanceof LocalControl ? local : new ClusterAdminSource(node, local), stats, broadcastChannel: options.broadcastChannel ?? 'broadcast' },
      auth: new AdminAuth(password, secret),
      throttle: new LoginThrottle(options.loginAttemptsBeforeBackoff),
      addresses: new ClientAddresses(node.config.http_server.trusted_proxies),
      secureCookie: environment === 'production',
    },
  };
}


async function serveAdmin(state: AdminState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (!state.on) return serveAdminOff(state.why, res, url);
  if (url.pathname.startsWith(ADMIN_API_PREFIX)) return handleAdminApi(state.api, req, res, url);
  if (url.pathname === ADMIN_PREFIX) {
    res.writeHead(308, { Location: `${ADMIN_PREFIX}/` });
    return void res.end();
  }
  return serveDashboard(state.assetsDir, url.pathname.slice(ADMIN_PREFIX.length), res);
}

/** The admin dashboard as a gateway extension: pass it in `GatewayOptions.extensions`. */
export function createAdminExtension(options: AdminOptions): GatewayExtension {
  let stats: StatsHistory | undefined;
  let state: AdminState = { on: false, why: 'The admin dashboard is starting.' };
  let unobserve: (() => void) | undefined;
  return {
    name: 'admin',
    routes: { [ADMIN_PREFIX]: (req, res, url) => serveAdmin(state, req, res, url) },
    async start(host) {
      const rejections = new RejectionLog();
      const fallbacks = new FallbackTally();
      unobserve = host.node.events.observe({ rejected: (event) => rejections.record(event), fellBack: (event) => fallbacks.record(event) });
      stats = new StatsHistory(host.node, options.sampleIntervalMs ?? SAMPLE_INTERVAL_MS);
      state = resolveState(host, options, stats, rejections, fallbacks);
      if (state.on) stats.start();
    },
    async stop() {
      unobserve?.();
      stats?.stop();
    },
  };
}

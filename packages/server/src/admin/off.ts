import type { ServerResponse } from 'node:http';
import { ApiErrorCodes } from '@renum-realtime/protocol';
import { sendJson } from '../api/http.js';
import { sendNotice } from './static.js';

/* Kept apart from the admin pages so a gateway without them does not load them to say so. */

export const ADMIN_PREFIX = '/admin';
export const ADMIN_API_PREFIX = `${ADMIN_PREFIX}/api/`;

const HOW_TO_ENABLE = [
  'Set admin.enabled to true and give admin.password (the login password) and admin.secret (a long random string that signs the session cookie) in the config file,',
  'or the variables REALTIME_ADMIN_ENABLED=true, REALTIME_ADMIN_PASSWORD and REALTIME_ADMIN_SECRET, then restart the gateway.',
];

/** `/admin`, `/admin/…` and `/admin/api/…` while the admin is mounted but off, or not mounted at all. */
export async function serveAdminOff(why: string, res: ServerResponse, url: URL): Promise<void> {
  if (url.pathname.startsWith(ADMIN_API_PREFIX)) return sendJson(res, 404, { error: { code: ApiErrorCodes.notFound.code, message: [why, ...HOW_TO_ENABLE].join(' ') } });
  return sendNotice(res, 404, 'Admin dashboard is off', [why, ...HOW_TO_ENABLE]);
}

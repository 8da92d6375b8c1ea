import { createAdminExtension, type AdminOptions } from '../../src/admin/index.js';
import type { GatewayExtension } from '../../src/extension.js';
import { startGateway, type ConfigFile, type TestGateway } from './gateway.js';

export const ADMIN_PASSWORD = 'correct horse battery staple';
export const ADMIN_SECRET = 'admin-cookie-secret-for-tests-only-0123456789';

export interface AdminTestGateway extends TestGateway {
  /** `http://host:port`, where `/admin` lives. */
  baseUrl: string;
}

/** A real gateway on port 0 with the admin extension (and any other extensions) mounted. */
export async function startAdminGateway(
  admin: Partial<AdminOptions> = {},
  overrides: ConfigFile = {},
  options: { captureLogs?: boolean; env?: string; extensions?: GatewayExtension[] } = {},
): Promise<AdminTestGateway> {
  const extension = createAdminExtension({ enabled: true, password: ADMIN_PASSWORD, secret: ADMIN_SECRET, ...admin });
  const gw = await startGateway(overrides, undefined, { ...options, extensions: [extension, ...(options.extensions ?? [])] });
  return { ...gw, baseUrl: `http://${gw.gateway.host}:${gw.gateway.port}` };
}

export interface AdminResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** The admin API as the page calls it: a session cookie, and the CSRF token on every POST. */
export class AdminHttp {
  cookie = '';
  csrf = '';

  constructor(readonly baseUrl: string) {}

  static async login(baseUrl: string, password = ADMIN_PASSWORD): Promise<AdminHttp> {
    const admin = new AdminHttp(baseUrl);
    const response = await admin.post<{ csrf: string }>('login', { password });
    if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
    admin.cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
    admin.csrf = response.body.csrf;
    return admin;
  }

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<AdminResponse<T>> {
    const response = await fetch(`${this.baseUrl}/admin/api/${path}`, {
      method,
      headers: {
        ...(this.cookie ? { Cookie: this.cookie } : {}),
        ...(method === 'POST' ? { 'Content-Type': 'application/json', 'X-CSRF-Token': this.csrf } : {}),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  get<T = any>(path: string): Promise<AdminResponse<T>> {
    return this.request<T>('GET', path);
  }

  post<T = any>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<AdminResponse<T>> {
    return this.request<T>('POST', path, body, headers);
  }
}

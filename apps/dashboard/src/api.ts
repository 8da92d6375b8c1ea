import type { AdminErrorBody } from '../../../packages/server/src/admin/types';

export type * from '../../../packages/server/src/admin/types';

/** A failed admin call: the HTTP status, the gateway's error code and its message. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    /** Seconds, from Retry-After on 429. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onLoggedOut: () => void = () => {};

/** Called on any 401, so an expired session sends the operator back to the login form. */
export function setLoggedOutHandler(handler: () => void): void {
  onLoggedOut = handler;
}

async function call<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/admin/api/${path}`, { credentials: 'same-origin', ...init });
  } catch {
    throw new AdminApiError(0, 0, 'The gateway cannot be reached. Check that it is running.');
  }
  const body = (await response.json().catch(() => ({}))) as T | AdminErrorBody;
  if (response.ok) return body as T;
  const error = (body as AdminErrorBody).error ?? { code: 0, message: `HTTP ${response.status}` };
  if (response.status === 401 && path !== 'login') onLoggedOut();
  const retryAfter = Number(response.headers.get('Retry-After')) || undefined;
  throw new AdminApiError(response.status, error.code, error.message, retryAfter);
}

export function get<T>(path: string): Promise<T> {
  return call<T>(path);
}

export function post<T>(path: string, body: unknown): Promise<T> {
  return call<T>(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken },
    body: JSON.stringify(body),
  });
}

export async function login(password: string): Promise<void> {
  const { csrf } = await post<{ csrf: string }>('login', { password });
  csrfToken = csrf;
}

/** Resumes a session from the cookie after a reload; false when there is none. */
export async function resumeSession(): Promise<boolean> {
  try {
    csrfToken = (await get<{ csrf: string }>('session')).csrf;
    return true;
  } catch (error) {
    if (error instanceof AdminApiError && error.status === 401) return false;
    throw error;
  }
}

export async function logout(): Promise<void> {
  await post('logout', {});
  csrfToken = '';
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

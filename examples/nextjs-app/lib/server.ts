import type { InitialInbox } from '@renum-realtime/react';
import { createServerApi, type ServerApi } from '@renum-realtime/react/server';
import { cookies } from 'next/headers';
import { DEMO_USER_COOKIE, serverEnv, userFromCookie } from '../../nextjs/lib/session';

/** The signed-in demo user, from the request's cookie (a real app reads its session here). */
export async function currentUser(): Promise<string> {
  return userFromCookie((await cookies()).get(DEMO_USER_COOKIE)?.value);
}

/** The gateway's server API; the key stays in the serverless function. */
export function gatewayApi(): ServerApi {
  return createServerApi({ url: serverEnv('REALTIME_API_URL'), key: serverEnv('REALTIME_API_KEY') });
}

/** Runs a server-side read, logging and returning undefined when it fails: the client then loads over its connection. */
export async function orUndefined<T>(what: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    console.error(JSON.stringify({ event: 'ssr_read_failed', what, error: (error as Error).message }));
    return undefined;
  }
}

/** The first inbox page of `user` as the server API lists it, for the client to start from. */
export async function initialInbox(user: string): Promise<InitialInbox | undefined> {
  return orUndefined('inbox', async () => {
    const page = await gatewayApi().notificationList(user, { limit: 50 });
    // The first page's unread ones; the client replaces this with the gateway's count once subscribed.
    return { page, unreadCount: page.items.filter((n) => !n.read_at && !n.dismissed_at).length };
  });
}

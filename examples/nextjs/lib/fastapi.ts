import { useRpc } from '@renum-realtime/react';
import { useMemo } from 'react';
import type { RunStarter } from '../components/StartRun';

/** examples/fastapi through this app's origin (next.config.mjs rewrites `/backend/*`), so its session cookie is first-party. */
const BACKEND = '/backend';

async function answer<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!response.ok || !body) throw new Error(body?.error?.message ?? `the FastAPI back end answered ${response.status} (is it running? npm run dev:fastapi starts it)`);
  return body;
}

/** Who the session cookie names; null when signed out. */
export async function fetchSignedInUser(): Promise<string | null> {
  const response = await fetch(`${BACKEND}/me`, { cache: 'no-store' });
  if (response.status === 401) return null;
  return (await answer<{ user: string }>(response)).user;
}

/** Logs in; the back end sets its HttpOnly session cookie. Rejects with the back end's reason. */
export async function logIn(user: string, password: string): Promise<string> {
  const response = await fetch(`${BACKEND}/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password }) });
  return (await answer<{ user: string }>(response)).user;
}

export async function logOut(): Promise<void> {
  await answer(await fetch(`${BACKEND}/logout`, { method: 'POST' }));
}

/** A run's event log, for its owner only: what the run page reloads when the channel cannot recover. */
export const runEventsUrl = (id: string) => `${BACKEND}/runs/${encodeURIComponent(id)}`;

/** Starts a run with `runs.start` over the connection (the gateway's RPC proxy): the back end knows the user from the connect proxy. */
export function useRunsStartRpc(): RunStarter {
  const rpc = useRpc();
  return useMemo(
    () => ({
      canFail: false,
      start: async ({ steps }) => (await rpc<{ run: string }>('runs.start', { steps })).run,
    }),
    [rpc],
  );
}

import { useEffect, useState } from 'react';

/** The demo user from the (non-secret) `demo_user` cookie; null during server rendering and hydration. */
export function useDemoUser(): string | null {
  const [user, setUser] = useState<string | null>(null);
  useEffect(() => {
    const match = document.cookie.match(/(?:^|;\s*)demo_user=([^;]+)/);
    setUser(match?.[1] ? decodeURIComponent(match[1]) : 'alice');
  }, []);
  return user;
}

/** Fetches a connection token from the app's server; null when the server refuses (signed out, revoked). */
export async function fetchRealtimeToken(): Promise<string | null> {
  const response = await fetch('/api/realtime-token', { cache: 'no-store', credentials: 'same-origin' });
  if (response.status === 401 || response.status === 403) return null;
  if (!response.ok) throw new Error(`token route answered ${response.status}`);
  const body = (await response.json()) as { token: string };
  return body.token;
}

'use client';
import { useConnectionState } from '@renum-realtime/react';

/** Reconnecting (attempt and countdown), offline, or refused with a reason; nothing while connected. */
export function ConnectionBanner() {
  const connection = useConnectionState();
  const { status, attempt, retryInSeconds, lastDisconnect, online } = connection;
  if (status === 'connected') return null;
  if (status === 'disconnected' && lastDisconnect && !lastDisconnect.willReconnect && lastDisconnect.code !== 0) {
    return (
      <div className="banner refused" role="alert" data-testid="connection-banner" data-state="refused">
        <strong>Live updates are off.</strong> {lastDisconnect.words} Reload the page after signing in again.
      </div>
    );
  }
  if (!online) {
    return (
      <div className="banner offline" role="status" data-testid="connection-banner" data-state="offline">
        <strong>You are offline.</strong> Live updates resume when the network is back.
      </div>
    );
  }
  if (status === 'connecting' && lastDisconnect) {
    return (
      <div className="banner reconnecting" role="status" data-testid="connection-banner" data-state="reconnecting">
        <strong>Reconnecting…</strong> {lastDisconnect.words}
        {attempt > 0 && <> Attempt {attempt}{retryInSeconds !== null && retryInSeconds > 0 ? `, next try in ${retryInSeconds} s` : ', trying now'}.</>}
      </div>
    );
  }
  return (
    <div className="banner connecting" role="status" data-testid="connection-banner" data-state="connecting">
      Connecting to live updates…
    </div>
  );
}

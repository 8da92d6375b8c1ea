'use client';
import { useConnectionState, type TransportName } from '@renum-realtime/react';

const LABELS: Partial<Record<TransportName, string>> = { websocket: 'WebSocket', http_stream: 'HTTP streaming', sse: 'SSE' };
const REASONS = { timeout: 'timed out', transport_closed: 'was closed', error: 'failed' } as const;

/** Which transport carries the live updates, and why it is not WebSocket when the client had to fall back. */
export function TransportBadge() {
  const { status, transport, fallback } = useConnectionState();
  if (status !== 'connected' || !transport) return null;
  return (
    <span className="muted" data-testid="transport" data-transport={transport}>
      live over {LABELS[transport] ?? transport}
      {fallback && ` (${LABELS[fallback.from] ?? fallback.from} ${REASONS[fallback.reason]})`}
    </span>
  );
}

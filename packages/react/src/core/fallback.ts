import type { Centrifuge, TransportName } from 'centrifuge';

/** Why the preferred transport was given up, as the gateway counts it (`POST /connection/fallback`). */
export type FallbackReason = 'timeout' | 'transport_closed' | 'error';

/** The body of the fallback report, in the gateway's snake_case. */
export interface FallbackReport {
  from: TransportName;
  to: TransportName;
  reason: FallbackReason;
  /** The WebSocket close code (1006: closed without a close frame), when one was seen. */
  code?: number;
  /** From the start of the connect to the moment the fallback transport was connected. */
  elapsed_ms: number;
}

export interface FallbackState {
  from: TransportName;
  to: TransportName;
  reason: FallbackReason;
  code: number | null;
  message: string;
  elapsedMs: number;
}

function reasonOf(message: string): FallbackReason {
  if (message === 'connect timeout') return 'timeout';
  if (message === 'transport closed') return 'transport_closed';
  return 'error';
}

/** One report per report URL and page load: a reconnect over the same fallback says nothing new. */
const reported = new Set<string>();

export function sendFallbackReport(url: string, report: FallbackReport): void {
  if (reported.has(url)) return;
  reported.add(url);
  // keepalive: the report still goes out when the user navigates away right after connecting.
  fetch(url, { method: 'POST', keepalive: true, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(report) }).catch(() => undefined);
}

/**
 * Watches the SDK's transport errors during a connect and, once it connects over another
 * transport than the first of its list, says which one failed, how and after how long. The
 * SDK's error events carry the transport and its message but not a WebSocket's close code, so a
 * wrapped WebSocket constructor (`websocket()` below) records that.
 */
export class FallbackRecorder {
  private startedAt: number | null = null;
  private failure: { message: string; code: number | null } | null = null;
  private closeCode: number | null = null;

  constructor(
    private readonly first: TransportName,
    private readonly onFallback: (state: FallbackState) => void,
  ) {}

  /** A subclass of the app's WebSocket that remembers the close code of each socket it opens. */
  websocket<T extends new (...args: any[]) => WebSocketLike>(Base: T): T {
    const recorder = this;
    return class RecordingWebSocket extends Base {
      constructor(...args: any[]) {
        super(...args);
        recorder.closeCode = null;
        this.addEventListener('close', (event: { code?: number }) => {
          recorder.closeCode = typeof event.code === 'number' ? event.code : null;
        });
      }
    };
  }

  attach(client: Centrifuge): void {
    client.on('connecting', () => {
      this.startedAt ??= Date.now();
    });
    client.on('error', (ctx) => {
      if (ctx.type !== 'transport' || ctx.transport !== this.first || this.failure) return;
      this.failure = { message: ctx.error.message, code: this.closeCode };
    });
    client.on('connected', (ctx) => {
      const { failure, startedAt } = this;
      this.startedAt = null;
      this.failure = null;
      this.closeCode = null;
      if (!failure || ctx.transport === this.first) return;
      this.onFallback({
        from: this.first,
        to: ctx.transport as TransportName,
        reason: reasonOf(failure.message),
        code: failure.code,
        message: failure.message,
        elapsedMs: startedAt === null ? 0 : Date.now() - startedAt,
      });
    });
    client.on('disconnected', () => {
      this.startedAt = null;
      this.failure = null;
    });
  }
}

export interface WebSocketLike {
  addEventListener(type: 'close', listener: (event: { code?: number }) => void): void;
}

export function toReport(state: FallbackState): FallbackReport {
  return { from: state.from, to: state.to, reason: state.reason, ...(state.code !== null ? { code: state.code } : {}), elapsed_ms: state.elapsedMs };
}

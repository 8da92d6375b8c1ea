import type { Connected } from './connect.js';
import { failure, skipped, type StepOutcome } from './types.js';

/** Slack over the announced interval: timers, a busy node and the network all add a little. */
const MARGIN_MS = 5_000;

/** Step 9: the server pings within the interval it announced, and our pong keeps us connected. */
export async function checkPing(connected: Connected, pingWaitMs: number | undefined): Promise<StepOutcome> {
  const { session, pingIntervalMs } = connected;
  if (pingIntervalMs === 0) return { status: 'skip', details: ['the server announced no ping'], warnings: ['without server pings, a half-open connection is noticed only by TCP timeouts'] };
  const full = pingIntervalMs + MARGIN_MS;
  const budget = Math.min(full, pingWaitMs ?? full);
  const waited = Date.now() - connected.connectedAt;
  if (session.pingsSeen === 0) {
    const result = await session.nextPing(Math.max(0, budget - waited));
    if (result === 'closed') {
      const { code, reason } = session.closed!;
      return failure('closed_while_waiting', `the connection closed with ${code} "${reason}" while waiting for the server ping`, code === 1006 ? 'A proxy idle timeout shorter than the ping interval cuts the connection (nginx: proxy_read_timeout 3600s;).' : 'See the gateway logs.');
    }
    if (result === 'timeout') {
      if (budget < full) return skipped(`no ping within --ping-wait ${budget} ms (announced every ${pingIntervalMs / 1000} s)`);
      return failure('no_ping', `no server ping within ${full} ms (announced every ${pingIntervalMs / 1000} s)`, 'Something buffers or drops frames between the gateway and the client (proxy buffering); check the gateway logs.');
    }
  }
  const after = Date.now() - connected.connectedAt;
  // Give the pong a moment to land, then make sure the server did not drop us for a missing one.
  await new Promise((r) => setTimeout(r, 100));
  if (session.closed) return failure('closed_after_ping', `closed with ${session.closed.code} after the ping`, 'See the gateway logs.');
  return { details: [`ping after ${after} ms (announced every ${pingIntervalMs / 1000} s), pong sent`] };
}

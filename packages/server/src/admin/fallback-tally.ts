import type { FallbackEvent } from '../core/index.js';
import type { FallbackSummary } from './types.js';

const keyOf = ({ from, to, reason }: Pick<FallbackSummary, 'from' | 'to' | 'reason'>) => `${from}>${to}:${reason}`;

/**
 * Fallbacks clients reported to this node, counted by transport pair and reason. The keys come
 * from fixed lists (the report is validated), so the tally stays small whatever clients send.
 */
export class FallbackTally {
  private readonly counts = new Map<string, FallbackSummary>();

  record(event: FallbackEvent): void {
    const key = keyOf(event);
    const entry = this.counts.get(key);
    if (entry) {
      entry.count += 1;
      entry.lastAt = Date.now();
      entry.lastElapsedMs = event.elapsedMs;
    } else {
      this.counts.set(key, { from: event.from, to: event.to, reason: event.reason, count: 1, lastAt: Date.now(), lastElapsedMs: event.elapsedMs });
    }
  }

  list(): FallbackSummary[] {
    return [...this.counts.values()].map((entry) => ({ ...entry }));
  }
}

/** Several nodes' tallies as one: counts added, the latest report kept. */
export function mergeFallbacks(lists: FallbackSummary[][]): FallbackSummary[] {
  const merged = new Map<string, FallbackSummary>();
  for (const entry of lists.flat()) {
    const key = keyOf(entry);
    const seen = merged.get(key);
    if (!seen) merged.set(key, { ...entry });
    else {
      seen.count += entry.count;
      if (entry.lastAt > seen.lastAt) Object.assign(seen, { lastAt: entry.lastAt, lastElapsedMs: entry.lastElapsedMs });
    }
  }
  return [...merged.values()].sort((a, b) => b.count - a.count);
}

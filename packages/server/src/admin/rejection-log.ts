import type { Rejection } from './types.js';

/** Close codes that are not worth an operator's attention: normal closes and node shutdown. */
const ORDINARY_CLOSES = new Set([1000, 1001, 1005, 3001]);

/**
 * The last refusals of this node, newest last: the first place to look when a user "cannot
 * connect". Bounded so a flood of bad handshakes costs a fixed amount of memory.
 */
export class RejectionLog {
  private readonly entries: Rejection[] = [];

  constructor(private readonly capacity = 500) {}

  record(entry: Omit<Rejection, 'at'>): void {
    const clean = Object.fromEntries(Object.entries(entry).filter(([, value]) => value !== undefined && value !== '')) as Omit<Rejection, 'at'>;
    this.entries.push({ at: Date.now(), ...clean });
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  /** Records a closed connection unless it closed the ordinary way. */
  recordDisconnect(entry: Omit<Rejection, 'at' | 'kind' | 'code'> & { code: number }): void {
    if (!ORDINARY_CLOSES.has(entry.code)) this.record({ kind: 'disconnect', ...entry });
  }

  /** Newest first. */
  list(): Rejection[] {
    return [...this.entries].reverse();
  }
}

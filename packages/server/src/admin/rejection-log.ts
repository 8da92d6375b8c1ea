import type { RejectionEvent } from '../core/events.js';
import type { Rejection } from './types.js';

/** Close codes that are not worth an operator's attention: normal closes and node shutdown. */
const ORDINARY_CLOSES = new Set([1000, 1001, 1005, 3001]);

/**
 * The last refusals of this node, newest last: the first place to look when a user "cannot
 * connect". Bounded so a flood of bad handshakes costs a fixed amount of memory. Fed by the core's
 * `rejected` events.
 */
export class RejectionLog {
  private readonly entries: Rejection[] = [];

  constructor(private readonly capacity = 500) {}

  /** Keeps the event unless it is a connection that closed the ordinary way. */
  record(event: RejectionEvent): void {
    if (event.kind === 'disconnect' && ORDINARY_CLOSES.has(event.code ?? 0)) return;
    this.entries.push({ at: Date.now(), ...event });
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  /** Newest first. */
  list(): Rejection[] {
    return [...this.entries].reverse();
  }
}

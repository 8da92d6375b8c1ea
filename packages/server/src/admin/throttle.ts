interface Failures {
  count: number;
  lockedUntil: number;
  last: number;
}

/** A client's failures are forgotten after this long without a new one. */
const FORGET_AFTER_MS = 15 * 60_000;
const MAX_LOCK_MS = 15 * 60_000;

/**
 * Login throttling per client address with exponential backoff: the first `freeAttempts` wrong
 * passwords cost nothing, then each one locks the address for 1 s, 2 s, 4 s … (at most 15 min).
 * Only that address waits: the admin logging in from another one is never held back by it. The
 * address is the client's behind `http_server.trusted_proxies`, so a reverse proxy in front does
 * not make every login share one lock. The table is bounded so that a spray of addresses cannot
 * grow it without limit.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();

  constructor(
    private readonly freeAttempts = 5,
    private readonly maxTracked = 10_000,
  ) {}

  /** ms the address must still wait; 0 when it may try now. */
  retryAfterMs(address: string, now = Date.now()): number {
    const entry = this.failures.get(address);
    if (!entry) return 0;
    if (now - entry.last > FORGET_AFTER_MS) {
      this.failures.delete(address);
      return 0;
    }
    return Math.max(0, entry.lockedUntil - now);
  }

  failed(address: string, now = Date.now()): void {
    const entry = this.failures.get(address) ?? { count: 0, lockedUntil: 0, last: now };
    entry.count += 1;
    entry.last = now;
    const over = entry.count - this.freeAttempts;
    if (over >= 0) entry.lockedUntil = now + Math.min(MAX_LOCK_MS, 1000 * 2 ** over);
    this.failures.delete(address);
    this.failures.set(address, entry);
    // Maps iterate in insertion order, so the first key is the least recently failed address.
    if (this.failures.size > this.maxTracked) this.failures.delete(this.failures.keys().next().value as string);
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }
}

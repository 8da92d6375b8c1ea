/**
 * Token bucket per connection: `perSecond` sustained, `burst` at once. The limits are passed to
 * `take` rather than kept, so no connection holds its own copy of the config.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt = Date.now();
  /** Commands refused since the connection opened. */
  rejected = 0;

  constructor(burst: number) {
    this.tokens = burst;
  }

  take(now: number, perSecond: number, burst: number): boolean {
    if (perSecond <= 0) return true;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * perSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.rejected += 1;
    return false;
  }

  /** Refilled to its burst with nothing ever refused: the same as a new bucket, so it can be dropped. */
  isFull(now: number, perSecond: number, burst: number): boolean {
    return this.rejected === 0 && this.tokens + ((now - this.refilledAt) / 1000) * perSecond >= burst;
  }
}

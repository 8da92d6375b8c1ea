/** Token bucket per connection: `perSecond` sustained, `burst` at once. */
export class TokenBucket {
  private tokens: number;
  private refilledAt = Date.now();
  /** Commands refused since the connection opened. */
  rejected = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(now: number): boolean {
    if (this.perSecond <= 0) return true;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.rejected += 1;
    return false;
  }
}

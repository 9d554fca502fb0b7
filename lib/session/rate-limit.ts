/** A token bucket: how many messages a peer may send, in bursts and over time. */

/** Limits of one bucket. */
export interface RateLimit {
  /** Largest burst, in messages. */
  burst: number;
  /** Sustained rate, in messages per second. */
  perSecond: number;
}

/** Messages a peer may send us: 50 per second sustained, bursts of 100 (docs/protocol.md, "Limits"). */
export const PEER_MESSAGE_LIMIT: RateLimit = { burst: 100, perSecond: 50 };

/** Counts messages against a {@link RateLimit}; `now` in ms. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    now: number,
  ) {
    this.tokens = limit.burst;
    this.last = now;
  }

  /** Takes one token; false when the sender is over the limit (the message should be dropped). */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsed * this.limit.perSecond);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

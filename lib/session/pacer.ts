/**
 * Keeps what we send on one connection within what the peer accepts. A peer drops
 * messages over {@link PEER_MESSAGE_LIMIT} unread (docs/protocol.md, "Limits"), so an
 * outbox of hundreds of texts flushed at once after a reconnection, or the acks of a
 * burst we received, would be lost without a word. Messages over our budget wait, in
 * order, instead.
 */
import { PEER_MESSAGE_LIMIT, TokenBucket, type RateLimit } from './rate-limit';

/** What we allow ourselves: below the peer's limit, for timing jitter between the two sides. */
export const SEND_LIMIT: RateLimit = { burst: Math.floor(PEER_MESSAGE_LIMIT.burst * 0.8), perSecond: Math.floor(PEER_MESSAGE_LIMIT.perSecond * 0.8) };
/** Most messages waiting on one connection; beyond it the newest is refused (the caller logs it). */
export const PACER_QUEUE_MAX = 2000;

/** Sends through `send` at most {@link SEND_LIMIT}, in order; `now` in ms. */
export class Pacer {
  private readonly bucket: TokenBucket;
  private readonly queue: Array<() => void> = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  /** @param onError called with what a deferred `send` threw (an immediate one throws to the caller). */
  constructor(
    private readonly now: () => number,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly limit: RateLimit = SEND_LIMIT,
  ) {
    this.bucket = new TokenBucket(limit, now());
  }

  /** Messages waiting. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Runs `send` now if the budget allows and nothing waits, else after those waiting.
   * @returns false when the queue is full or the pacer stopped (nothing will be sent).
   */
  send(send: () => void): boolean {
    if (this.stopped || this.queue.length >= PACER_QUEUE_MAX) return false;
    if (this.queue.length === 0 && this.bucket.take(this.now())) {
      send();
      return true;
    }
    this.queue.push(send);
    this.schedule();
    return true;
  }

  /** Drops what waits; nothing is sent afterwards. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      while (this.queue.length > 0 && this.bucket.take(this.now())) {
        try {
          this.queue.shift()!();
        } catch (error) {
          this.onError(error);
        }
      }
      if (this.queue.length > 0) this.schedule();
    }, Math.ceil(1000 / this.limit.perSecond));
  }
}

/**
 * The sender's side of messages that wait in Redis for a peer not yet
 * connected: PeerServer's `expire_timeout`. The instance that queued a message
 * takes it back once it is due; if it was still there (nobody claimed the ID
 * meanwhile), the sender gets `EXPIRE`, once per sender and destination, as
 * `peer` does. Taking back and claiming are atomic in Redis, so a message is
 * either delivered or expired, never both.
 */

interface Waiting {
  src: string;
  dst: string;
  message: string;
  /** When it was queued, in ms since the epoch. */
  at: number;
}

const pairOf = (entry: Waiting): string => `${entry.src}\0${entry.dst}`;

/** Messages this instance queued, oldest first. */
export class PendingExpiry {
  private waiting: Waiting[] = [];
  private sweeping = false;

  /** @param expireMs how long a message waits, in ms (`expire_timeout`, 5,000 by default). */
  constructor(private readonly expireMs: number) {}

  /** Messages tracked now. */
  get size(): number {
    return this.waiting.length;
  }

  /** Remembers that `message` from `src` was queued for `dst` now. */
  track(src: string, dst: string, message: string, now = Date.now()): void {
    this.waiting.push({ src, dst, message, at: now });
  }

  /**
   * Takes back every message due by `now`: `unqueue` says whether it was still
   * waiting (it rejects when Redis is away: then it counts as expired), and
   * `expire` is called once per sender and destination whose messages lapsed.
   * A sweep still running makes this one return at once.
   */
  async sweep(unqueue: (dst: string, message: string) => Promise<boolean>, expire: (src: string, dst: string) => void, now = Date.now()): Promise<void> {
    if (this.sweeping) return;
    // Like `peer`'s queue, a sender's messages for one peer lapse together, with the first.
    const pairs = new Set(this.waiting.filter((entry) => now - entry.at >= this.expireMs).map(pairOf));
    if (pairs.size === 0) return;
    const lapsed = this.waiting.filter((entry) => pairs.has(pairOf(entry)));
    this.waiting = this.waiting.filter((entry) => !pairs.has(pairOf(entry)));
    this.sweeping = true;
    try {
      const expired = await Promise.all(lapsed.map((entry) => unqueue(entry.dst, entry.message).catch(() => true)));
      const told = new Set<string>();
      lapsed.forEach((entry, i) => {
        const pair = pairOf(entry);
        if (!expired[i] || told.has(pair)) return;
        told.add(pair);
        expire(entry.src, entry.dst);
      });
    } finally {
      this.sweeping = false;
    }
  }
}

/**
 * Peer IDs our user declined recently. A declined ID that asks again is refused
 * without a prompt for a while, and for longer each time, so that a stranger
 * cannot turn Decline into a stream of prompts.
 */

/** First quiet period after a decline, in ms; doubled on each further decline. */
export const DECLINE_BACKOFF_MS = 30_000;
/** Longest quiet period, in ms (one hour). */
export const DECLINE_BACKOFF_MAX_MS = 3_600_000;
/** Most IDs remembered; the oldest is forgotten first. */
export const DECLINED_LIMIT = 1000;

/** Remembers declines by peer ID (a `Map`: any string is a safe key). */
export class DeclinedPeers {
  private readonly entries = new Map<string, { until: number; count: number }>();

  /** Records a decline of `peerId` at `now` (ms since the Unix epoch). */
  decline(peerId: string, now: number): void {
    const count = (this.entries.get(peerId)?.count ?? 0) + 1;
    this.entries.delete(peerId);
    const quiet = Math.min(DECLINE_BACKOFF_MAX_MS, DECLINE_BACKOFF_MS * 2 ** (count - 1));
    this.entries.set(peerId, { until: now + quiet, count });
    if (this.entries.size > DECLINED_LIMIT) this.entries.delete(this.entries.keys().next().value!);
  }

  /** True while `peerId` is to be refused without asking. */
  refuses(peerId: string, now: number): boolean {
    const entry = this.entries.get(peerId);
    return entry !== undefined && now < entry.until;
  }

  /** Forgets `peerId` (our user connected to it, or accepted it). */
  forget(peerId: string): void {
    this.entries.delete(peerId);
  }
}

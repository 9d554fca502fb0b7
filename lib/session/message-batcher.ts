/**
 * Gathers history changes into batches for broadcasting. Every broadcast is a
 * `runtime.sendMessage` that each extension page decodes and renders on the one
 * thread they all share with the peer host, so a peer sending a text every few
 * milliseconds must cost a few dozen broadcasts a second, not one per text.
 * Within {@link FLUSH_LIMIT} every change goes out at the end of its task (a chat,
 * and a text's "Delivered" a few ms after its "Sent", stay instant); beyond it,
 * changes wait up to {@link BATCH_MS} and go together.
 */
import { BATCH_CHANGES_MAX, type ChatMessage } from '../protocol/runtime';
import { TokenBucket, type RateLimit } from './rate-limit';

export { BATCH_CHANGES_MAX };

/** Broadcasts of history changes that go out at once: bursts of 20, 50 a second. */
export const FLUSH_LIMIT: RateLimit = { burst: 20, perSecond: 50 };
/** How long changes wait when {@link FLUSH_LIMIT} is spent, in ms. */
export const BATCH_MS = 50;
/** Most UTF-16 code units of text in one batch (about 1 MiB as JSON); more go out in the next. */
export const BATCH_TEXT_MAX = 512 * 1024;

/** One change to the history: a message added, or a message's status changed (without its text). */
export type HistoryChange =
  | { kind: 'added'; message: ChatMessage }
  | { kind: 'status'; id: string; status: ChatMessage['status']; error?: ChatMessage['error'] };

/** Collects {@link HistoryChange}s and hands them to `flush` in order, in batches. */
export class MessageBatcher {
  private pending: HistoryChange[] = [];
  private textSize = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private microtask = false;
  private readonly flushes: TokenBucket;

  /**
   * @param flush receives at most {@link BATCH_CHANGES_MAX} changes, oldest first.
   * @param now current time in ms.
   */
  constructor(
    private readonly flush: (changes: HistoryChange[]) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.flushes = new TokenBucket(FLUSH_LIMIT, now());
  }

  /** Queues `change`; a full batch goes out at once. */
  add(change: HistoryChange): void {
    this.pending.push(change);
    if (change.kind === 'added') this.textSize += change.message.text.length;
    if (this.pending.length >= BATCH_CHANGES_MAX || this.textSize >= BATCH_TEXT_MAX) {
      this.send();
      return;
    }
    if (this.timer !== undefined || this.microtask) return;
    if (this.flushes.take(this.now())) {
      // At the end of this task, so changes made together go together.
      this.microtask = true;
      queueMicrotask(() => {
        this.microtask = false;
        this.send();
      });
    } else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.send();
      }, BATCH_MS);
    }
  }

  /** Drops what is pending and stops the timer. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.textSize = 0;
  }

  private send(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const changes = this.pending;
    this.pending = [];
    this.textSize = 0;
    this.flush(changes);
  }
}

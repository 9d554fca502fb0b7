/**
 * The answering side of a connection speaks second: what it sends waits until the
 * dialler has been heard on that connection (or {@link SEND_GATE_MS} after the
 * channel opened, for a peer that never speaks first).
 *
 * Why: the dialler's channel opens when the answerer's DCEP ACK arrives (RFC 8832,
 * section 6), and Chromium 156 can drop a message that arrives with that ACK. Seen
 * in 4 of 11 runs of the bench's connect section (30 warm connects each): the answerer
 * sent `hello`, `ping`, `sas-commit`; the dialler received `ping` and `sas-commit`
 * only, and waited for a `hello` that never came. The dialler sends only after its own `open`, so once it
 * has been heard its channel is open and nothing it receives is lost that way.
 */

/** How long after `open` the gate stays shut for a peer that has not spoken, in ms. */
export const SEND_GATE_MS = 1000;
/** Most sends one gate holds; beyond it the newest is refused (the caller logs it). */
export const SEND_GATE_MAX = 2000;

/** Holds sends until {@link SendGate.open}; one per answered connection. */
export class SendGate {
  private waiting: Array<() => void> | undefined = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  /** @param onError called with what a held send threw when the gate opened. */
  constructor(private readonly onError: (error: unknown) => void = () => {}) {}

  /** True once sends go straight through. */
  get isOpen(): boolean {
    return this.waiting === undefined;
  }

  /**
   * Runs `send` now if the gate is open, else when it opens, in order.
   * @returns false when {@link SEND_GATE_MAX} sends already wait (`send` is dropped).
   */
  send(send: () => void): boolean {
    if (this.closed) return false;
    if (!this.waiting) {
      send();
      return true;
    }
    if (this.waiting.length >= SEND_GATE_MAX) return false;
    this.waiting.push(send);
    return true;
  }

  /** The channel opened: the gate opens by itself after {@link SEND_GATE_MS} if the peer stays silent. */
  channelOpened(): void {
    if (this.closed || !this.waiting || this.timer !== undefined) return;
    this.timer = setTimeout(() => this.open(), SEND_GATE_MS);
  }

  /** The peer was heard (or time is up): everything held goes, in order; later sends go at once. */
  open(): void {
    if (this.closed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    for (const send of waiting ?? []) {
      try {
        send();
      } catch (error) {
        this.onError(error);
      }
    }
  }

  /** Drops what waits (the connection is gone); later sends go nowhere. */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
    this.waiting = [];
  }
}

/**
 * The message history of a session with its outbox: texts sent and received,
 * oldest first, bounded, with delivery status. It reports every change through
 * one callback; it never touches a connection.
 */
import type { ErrorCode } from '../errors';
import type { ChatMessage } from '../protocol/runtime';

/** Most messages kept in the history; older ones are dropped first. */
export const HISTORY_LIMIT = 500;

/** A new message's fields; `id` defaults to a fresh one, `at` is now. */
export type NewMessage = Omit<ChatMessage, 'id' | 'at'> & { id?: string };

/** The history, with the statuses a text goes through (`queued` → `sent` → `delivered`, or `undelivered` / `failed`). */
export class MessageHistory {
  private readonly messages: ChatMessage[] = [];

  /**
   * @param changed called with a copy of a message when it is added (`added`) or its status changes.
   * @param now current time in ms since the Unix epoch.
   */
  constructor(
    private readonly changed: (message: ChatMessage, added: boolean) => void,
    private readonly now: () => number,
    private readonly newId: () => string,
  ) {}

  /** How many messages are kept (at most {@link HISTORY_LIMIT}). */
  get length(): number {
    return this.messages.length;
  }

  /** Copies of the messages, oldest first. */
  list(): ChatMessage[] {
    return this.messages.map((message) => ({ ...message }));
  }

  /** Adds a message (dropping the oldest beyond {@link HISTORY_LIMIT}); returns its ID. */
  add(fields: NewMessage): string {
    const message: ChatMessage = { ...fields, id: fields.id ?? this.newId(), at: this.now() };
    this.messages.push(message);
    if (this.messages.length > HISTORY_LIMIT) this.messages.splice(0, this.messages.length - HISTORY_LIMIT);
    this.changed({ ...message }, true);
    return message.id;
  }

  /** True when a message with this history ID is kept (a repeated text is not shown twice). */
  has(id: string): boolean {
    return this.messages.some((message) => message.id === id);
  }

  /** Marks our text `id` to `peerId` delivered (its `ack` came). */
  delivered(peerId: string, id: string): void {
    const sent = this.messages.find((m) => m.id === id && m.peerId === peerId && m.direction === 'out');
    if (sent && sent.status !== 'delivered') this.set(sent, 'delivered');
  }

  /**
   * What did not reach `peerId`, oldest first: texts typed while it was away
   * (`queued`) and texts sent but never acknowledged (`undelivered`). Each is
   * handed to `send` and marked `sent`, with its old ID, so the peer shows it once.
   */
  flush(peerId: string, send: (message: ChatMessage) => void): void {
    for (const message of this.messages) {
      if (message.peerId !== peerId || message.direction !== 'out') continue;
      if (message.status !== 'queued' && message.status !== 'undelivered') continue;
      send(message);
      this.set(message, 'sent');
    }
  }

  /**
   * The connection to `peerId` is gone: sent texts become `undelivered`; queued ones
   * stay queued while `resuming` (we reconnect), else they fail with `not-connected`.
   */
  lost(peerId: string, resuming: boolean): void {
    for (const message of this.messages) {
      if (message.peerId !== peerId) continue;
      if (message.direction === 'out' && message.status === 'sent') this.set(message, 'undelivered');
      if (!resuming && message.status === 'queued') this.set(message, 'failed', 'not-connected');
    }
  }

  private set(message: ChatMessage, status: ChatMessage['status'], error?: ErrorCode): void {
    message.status = status;
    if (error) message.error = error;
    this.changed({ ...message }, false);
  }
}

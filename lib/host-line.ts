/**
 * A page's line to the peer host: one `runtime.connect` port for the page's
 * commands and the host's events (`lib/protocol/host-port.ts`). While the host is
 * not there (browser starting, offscreen document being made or made anew), the
 * line asks the background to start it, opens the port again, and holds the
 * page's commands until it is up.
 */
import * as v from 'valibot';
import type { ErrorCode } from './errors';
import { requestBackground, type RuntimeLike } from './messaging';
import { HOST_PORT_NAME, HostToPageSchema, type HostToPage } from './protocol/host-port';
import { SessionReplySchemas, type SessionCommand, type SessionReply, type SessionState, type ShareView } from './protocol/runtime';
import type { PortLike, PortRuntime } from './session/host-ports';
import type { HistoryChange } from './session/message-batcher';

/** How long a command waits for the line to come up before it is answered `unavailable`, in ms. */
export const LINE_WAIT_MS = 5000;
/** Pause before opening the port again after it closed or could not open, in ms. */
export const LINE_RETRY_MS = 100;
/** Most texts of ours whose history change has not come yet (bounds memory if one never does). */
const OWN_TEXTS_MAX = 200;

/** What the host tells a page; all optional. */
export interface LineListener {
  /** The line is up, first or again: what the page shows may be stale. */
  up?(): void;
  /** The line went down (the host closed or went away); it is being opened again. */
  down?(): void;
  state?(state: SessionState): void;
  /** History changes, oldest first; `historyLength` is the host's history length after them. */
  messages?(changes: HistoryChange[], historyLength: number): void;
  connectionRequest?(peerId: string): void;
  shareOffer?(share: ShareView): void;
}

interface Waiting {
  readonly command: SessionCommand;
  readonly resolve: (reply: unknown) => void;
  sent: boolean;
}

/** One page's line to the peer host. Open it with {@link start}; it reopens itself until {@link close}. */
export class HostLine {
  private port: PortLike | undefined;
  private ready = false;
  private closed = false;
  private attempt = 0;
  private nextId = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly waiting = new Map<number, Waiting>();
  /** Our send-text commands' texts, by command id: the host sends our own texts back without them. */
  private readonly ownTexts = new Map<number, string>();

  /** @param history whether the page shows the history (options and viewer do not: no history events). */
  constructor(
    private readonly runtime: RuntimeLike & PortRuntime,
    private readonly history: boolean,
    private readonly listener: LineListener,
  ) {}

  /** Whether the host took our hello and answers commands. */
  get up(): boolean {
    return this.ready;
  }

  /** Opens the line. */
  start(): void {
    this.open();
  }

  /**
   * Sends `command` to the peer host and resolves with its checked reply. Never rejects:
   * `unavailable` when the line is not up within {@link LINE_WAIT_MS}, or closed before the reply.
   */
  command<C extends SessionCommand>(command: C, waitMs = LINE_WAIT_MS): Promise<SessionReply<C['type']>> {
    const id = this.nextId++;
    if (command.type === 'session/send-text') this.keepOwnText(id, command.text);
    const schema = SessionReplySchemas[command.type] as v.GenericSchema<unknown, SessionReply<C['type']>>;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.waiting.get(id)?.sent === false) this.answer(id, unavailable());
      }, waitMs);
      this.waiting.set(id, {
        command,
        sent: false,
        resolve: (raw) => {
          clearTimeout(timer);
          const checked = v.safeParse(schema, raw);
          if (!checked.success) console.warn(`[secureconnect] invalid reply to ${command.type}`, checked.issues[0].message);
          resolve(checked.success ? checked.output : (unavailable() as SessionReply<C['type']>));
        },
      });
      if (this.ready) this.post(id);
    });
  }

  /** Closes the line for good; commands waiting are answered `unavailable`. */
  close(): void {
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.port?.disconnect();
    this.lost();
  }

  private open(): void {
    if (this.closed || this.port) return;
    const port = this.runtime.connect({ name: HOST_PORT_NAME });
    this.port = port;
    port.onMessage.addListener((raw) => {
      if (this.port === port) this.receive(raw);
    });
    port.onDisconnect.addListener(() => {
      if (this.port !== port) return;
      // Chrome sets lastError when nobody took the port; reading it keeps the console clean.
      void (globalThis as { chrome?: { runtime?: { lastError?: unknown } } }).chrome?.runtime?.lastError;
      const wasUp = this.ready;
      this.port = undefined;
      this.lost();
      if (wasUp) this.listener.down?.();
      this.reopen();
    });
    port.postMessage({ type: 'line/hello', history: this.history });
  }

  /** After a failed or closed port: make sure the host runs (the background starts it), then open again. */
  private reopen(): void {
    if (this.closed) return;
    this.attempt++;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void requestBackground(this.runtime, { type: 'background/ensure-host' }).finally(() => this.open());
    }, this.attempt === 1 ? 0 : LINE_RETRY_MS);
  }

  private receive(raw: unknown): void {
    const parsed = v.safeParse(HostToPageSchema, raw);
    if (!parsed.success) {
      console.warn(`[secureconnect] dropped an invalid message from the peer host: ${parsed.issues[0].message}`);
      return;
    }
    const message: HostToPage = parsed.output;
    switch (message.type) {
      case 'line/ready':
        this.ready = true;
        this.attempt = 0;
        for (const [id, waiting] of this.waiting) if (!waiting.sent) this.post(id);
        this.listener.up?.();
        return;
      case 'line/reply':
        this.answer(message.id, message.reply);
        return;
      case 'line/state':
        this.listener.state?.(message.state);
        return;
      case 'line/messages': {
        const changes: HistoryChange[] = [];
        for (const change of message.changes) {
          if (change.kind !== 'own') {
            changes.push(change);
            continue;
          }
          const text = this.ownTexts.get(change.command);
          this.ownTexts.delete(change.command);
          // Without its text (never expected) the change is left out: the page sees the gap and reloads.
          if (text !== undefined) changes.push({ kind: 'added', message: { ...change.message, text } });
        }
        this.listener.messages?.(changes, message.historyLength);
        return;
      }
      case 'line/connection-request':
        this.listener.connectionRequest?.(message.peerId);
        return;
      case 'line/share-offer':
        this.listener.shareOffer?.(message.share);
        return;
    }
  }

  private post(id: number): void {
    const waiting = this.waiting.get(id);
    if (!waiting || !this.port) return;
    waiting.sent = true;
    try {
      this.port.postMessage({ type: 'line/command', id, command: waiting.command });
    } catch {
      this.answer(id, unavailable());
    }
  }

  private answer(id: number, reply: unknown): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    // A refused text that the host did not keep has no history change to wait for.
    const kept = (reply as { ok?: unknown } | null)?.ok === true || (waiting.command.type === 'session/send-text' && waiting.command.keepOnFailure);
    if (!kept) this.ownTexts.delete(id);
    waiting.resolve(reply);
  }

  /** The port is gone: commands sent on it get no reply. Those not yet sent wait for the next port. */
  private lost(): void {
    this.ready = false;
    for (const [id, waiting] of this.waiting) if (waiting.sent || this.closed) this.answer(id, unavailable());
    this.ownTexts.clear();
  }

  private keepOwnText(id: number, text: string): void {
    this.ownTexts.set(id, text);
    if (this.ownTexts.size > OWN_TEXTS_MAX) this.ownTexts.delete(this.ownTexts.keys().next().value as number);
  }
}

function unavailable(): { ok: false; error: ErrorCode } {
  return { ok: false, error: 'unavailable' };
}

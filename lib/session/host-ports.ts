/**
 * The peer host's end of the pages' lines (`lib/protocol/host-port.ts`): takes
 * each page's port, answers its commands on it, and sends each page the events it
 * shows. A page's own text comes back to it without the text.
 */
import * as v from 'valibot';
import type { ErrorCode } from '../errors';
import { HOST_PORT_NAME, HostToPageSchema, PageToHostSchema, type HostToPage, type LineChange } from '../protocol/host-port';
import type { SessionCommand } from '../protocol/runtime';
import type { HistoryChange } from './message-batcher';

/** The part of `runtime.Port` (MDN) a line uses, on either end. */
export interface PortLike {
  readonly name: string;
  readonly sender?: { id?: string };
  postMessage(message: unknown): void;
  disconnect(): void;
  onMessage: { addListener(listener: (message: unknown) => void): void };
  onDisconnect: { addListener(listener: () => void): void };
}

/** The part of `browser.runtime` that ports need. */
export interface PortRuntime {
  readonly id: string;
  connect(info: { name: string }): PortLike;
  onConnect: { addListener(listener: (port: PortLike) => void): void; removeListener(listener: (port: PortLike) => void): void };
}

/** Most commands a page may have unanswered at once; more are answered `unavailable`. Our pages keep a few. */
export const LINE_COMMANDS_MAX = 1000;

/** Which page's command a history change came from: its port and the command's id. */
export interface CommandOrigin {
  readonly page: object;
  readonly command: number;
}

interface Page {
  readonly port: PortLike;
  history: boolean;
  ready: boolean;
  unanswered: number;
}

/** Every page connected to the host; {@link emitState} and friends reach those that said hello. */
export class HostPorts {
  private readonly pages = new Set<Page>();
  private readonly stopListening: () => void;

  /**
   * @param handle answers one command; `origin` names the page and command, for {@link emitChanges}.
   */
  constructor(
    runtime: PortRuntime,
    private readonly handle: (command: SessionCommand, origin: CommandOrigin) => Promise<unknown>,
  ) {
    const listener = (port: PortLike): void => {
      // Only our own pages, on our one name; anything else is not for us.
      if (port.name !== HOST_PORT_NAME || port.sender?.id !== runtime.id) return;
      const page: Page = { port, history: false, ready: false, unanswered: 0 };
      this.pages.add(page);
      port.onDisconnect.addListener(() => this.pages.delete(page));
      port.onMessage.addListener((raw) => this.receive(page, raw));
    };
    runtime.onConnect.addListener(listener);
    this.stopListening = () => runtime.onConnect.removeListener(listener);
  }

  /** How many pages are connected. */
  get size(): number {
    return this.pages.size;
  }

  /** Sends `message` to every ready page that `wants` it. */
  send(message: HostToPage, wants: (page: { history: boolean }) => boolean = () => true): void {
    const checked = v.parse(HostToPageSchema, message);
    for (const page of this.pages) if (page.ready && wants(page)) this.post(page, checked);
  }

  /**
   * Sends history changes to the pages that show the history. A change `own` names (a text
   * a page's send-text command added) reaches that page without its text.
   */
  emitChanges(changes: HistoryChange[], historyLength: number, own: ReadonlyMap<string, CommandOrigin>): void {
    for (const page of this.pages) {
      if (!page.ready || !page.history) continue;
      const forPage = changes.map((change): LineChange => {
        if (change.kind !== 'added') return change;
        const origin = own.get(change.message.id);
        if (origin?.page !== page) return change;
        const { text: _text, ...message } = change.message;
        return { kind: 'own', command: origin.command, message };
      });
      this.post(page, v.parse(HostToPageSchema, { type: 'line/messages', changes: forPage, historyLength }));
    }
  }

  /** Closes every page's port (the pages open new ones) and takes no more. */
  stop(): void {
    this.stopListening();
    for (const page of this.pages) page.port.disconnect();
    this.pages.clear();
  }

  private receive(page: Page, raw: unknown): void {
    const parsed = v.safeParse(PageToHostSchema, raw);
    if (!parsed.success) {
      console.warn(`[secureconnect] dropped an invalid message from a page: ${parsed.issues[0].message}`);
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id === 'number') this.post(page, { type: 'line/reply', id, reply: failed('internal') });
      return;
    }
    const message = parsed.output;
    if (message.type === 'line/hello') {
      page.history = message.history;
      page.ready = true;
      this.post(page, { type: 'line/ready' });
      return;
    }
    if (!page.ready || page.unanswered >= LINE_COMMANDS_MAX) {
      this.post(page, { type: 'line/reply', id: message.id, reply: failed(page.ready ? 'unavailable' : 'internal') });
      return;
    }
    page.unanswered++;
    this.handle(message.command, { page, command: message.id })
      .catch((error: unknown) => {
        console.error(`[secureconnect] handler for ${message.command.type} failed`, error);
        return failed('internal');
      })
      .then((reply) => {
        page.unanswered--;
        if (this.pages.has(page)) this.post(page, { type: 'line/reply', id: message.id, reply });
      });
  }

  private post(page: Page, message: HostToPage): void {
    try {
      page.port.postMessage(message);
    } catch {
      // The page closed between its last message and this one.
      this.pages.delete(page);
    }
  }
}

function failed(error: ErrorCode): { ok: false; error: ErrorCode } {
  return { ok: false, error };
}

/**
 * Vue view of the peer session for extension pages: the state and history from
 * the peer host, kept current by its events, and the commands to change them.
 * The page holds no connection of its own.
 */
import { inject, onBeforeUnmount, onMounted, provide, ref, shallowRef, type InjectionKey } from 'vue';
import { browser } from 'wxt/browser';
import type { ErrorCode } from '@/lib/errors';
import { HostLine } from '@/lib/host-line';
import type { RuntimeLike } from '@/lib/messaging';
import type { ChatMessage, SessionCommand, SessionReply, SessionState } from '@/lib/protocol/runtime';
import type { PortRuntime } from '@/lib/session/host-ports';
import type { HistoryChange } from '@/lib/session/message-batcher';

/** Sends a command on the page's line and resolves with the reply (never rejects). */
export type SessionCommander = <C extends SessionCommand>(command: C) => Promise<SessionReply<C['type']>>;

/** The page's {@link SessionCommander}, for components below the one that called {@link useSession}. */
export const sessionCommandKey: InjectionKey<SessionCommander> = Symbol('session-command');

/** The commander that {@link useSession} provided; for components inside its page. */
export function useSessionCommand(): SessionCommander {
  const command = inject(sessionCommandKey);
  if (!command) throw new Error('useSessionCommand outside a page that called useSession');
  return command;
}

/**
 * While the peer host cannot answer (the browser is starting, the worker was asleep, the
 * offscreen document is being made), the page shows "Starting…" and asks again every
 * {@link STARTING_RETRY_MS}; only after {@link STARTING_MS} of that is it an error.
 */
const STARTING_MS = 20_000;
const STARTING_RETRY_MS = 250;
/** Answers that mean the host is not up yet, rather than that something failed. */
const STARTING_ERRORS: ReadonlySet<ErrorCode> = new Set(['unavailable', 'not-ready']);

/**
 * @param options.history `false` for pages that show no messages (options, viewer): the
 *   history is never loaded and history events are ignored.
 */
export function useSession(options: { history?: boolean } = {}) {
  const withHistory = options.history !== false;
  const runtime = browser.runtime as unknown as RuntimeLike & PortRuntime;
  const state = shallowRef<SessionState>();
  const messages = ref<ChatMessage[]>([]);
  /** Set when the peer host cannot be reached. */
  const hostError = ref<ErrorCode>();

  let mounted = false;
  let unansweredSince: number | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  /** @param withMessages `false`: the state only, and the history only if its length differs from ours ({@link checkLength}). */
  async function refresh(withMessages = withHistory): Promise<void> {
    const reply = await line.command({ type: 'session/get-state', messages: withMessages && withHistory });
    if (!reply.ok) {
      unansweredSince ??= Date.now();
      if (STARTING_ERRORS.has(reply.error) && Date.now() - unansweredSince < STARTING_MS) {
        // Starting, not failed: keep what is shown and ask again soon.
        if (mounted && retry === undefined) {
          retry = setTimeout(() => {
            retry = undefined;
            void refresh(withMessages || (withHistory && messages.value.length === 0));
          }, STARTING_RETRY_MS);
        }
        return;
      }
      hostError.value = reply.error;
      return;
    }
    unansweredSince = undefined;
    state.value = reply.state;
    hostError.value = undefined;
    if (!withHistory) return;
    if (reply.messages) messages.value = reply.messages;
    else checkLength(reply.messageCount, 0);
  }

  function upsert(message: ChatMessage): void {
    const index = messages.value.findIndex((m) => m.id === message.id);
    if (index >= 0) messages.value.splice(index, 1, message);
    else messages.value.push(message);
  }

  /** A status change; one for a message we never saw is left to the resync (the history length differs). */
  function updateStatus(id: string, status: ChatMessage['status'], error: ChatMessage['error']): void {
    // Newest last, and status changes are mostly about recent messages.
    const index = messages.value.findLastIndex((m) => m.id === id);
    const old = messages.value[index];
    if (!old) return;
    const { error: _old, ...rest } = old;
    messages.value.splice(index, 1, error ? { ...rest, status, error } : { ...rest, status });
  }

  let healing = false;
  /**
   * Keeps the page's history as long as the host's: drops the oldest as the host does at
   * its limit (at most one per message just `added`), and reloads the history when the
   * page has fewer (it missed an event, or a snapshot taken before a message overwrote it).
   */
  function checkLength(historyLength: number, added: number): void {
    const extra = messages.value.length - historyLength;
    if (extra === 0 || healing) return;
    if (extra > 0 && extra <= added) {
      // The host is at its limit and dropped its oldest messages.
      messages.value.splice(0, extra);
      return;
    }
    healing = true;
    void refresh(true).finally(() => (healing = false));
  }

  /** One batch of history changes, applied together so that the page renders once. */
  function apply(changes: HistoryChange[], historyLength: number): void {
    let added = 0;
    for (const change of changes) {
      if (change.kind === 'added') {
        upsert(change.message);
        added++;
      } else {
        updateStatus(change.id, change.status, change.error);
      }
    }
    checkLength(historyLength, added);
  }

  // One port for this page's lifetime; it reopens itself if the host goes away.
  let downTimer: ReturnType<typeof setTimeout> | undefined;
  const watchDown = (): void => {
    // The host went with its PeerServer connection: say "Starting…", keep the rest shown until it is back.
    const shown = state.value;
    if (shown && shown.server.status !== 'starting') state.value = { ...shown, server: { url: shown.server.url, status: 'starting' } };
    if (downTimer !== undefined) return;
    downTimer = setTimeout(() => (hostError.value = 'unavailable'), STARTING_MS);
  };
  const line = new HostLine(runtime, withHistory, {
    up: () => {
      clearTimeout(downTimer);
      downTimer = undefined;
      void refresh();
    },
    down: watchDown,
    state: (next) => (state.value = next),
    messages: (changes, historyLength) => withHistory && apply(changes, historyLength),
  });
  onMounted(() => {
    mounted = true;
    watchDown();
    line.start();
  });
  onBeforeUnmount(() => {
    mounted = false;
    line.close();
    clearTimeout(downTimer);
    if (retry !== undefined) clearTimeout(retry);
  });

  const command: SessionCommander = (cmd) => line.command(cmd);
  provide(sessionCommandKey, command);

  return { state, messages, hostError, refresh, command };
}

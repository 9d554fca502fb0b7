/**
 * Vue view of the peer session for extension pages: the state and history from
 * the peer host, kept current by its events, and the commands to change them.
 * The page holds no connection of its own.
 */
import { onBeforeUnmount, onMounted, ref, shallowRef } from 'vue';
import { browser } from 'wxt/browser';
import type { ErrorCode } from '@/lib/errors';
import { commandSession, onSessionEvent, type RuntimeLike } from '@/lib/messaging';
import type { ChatMessage, SessionCommand, SessionReply, SessionState } from '@/lib/protocol/runtime';

/** How often the page asks for a fresh snapshot while it gets no events, in ms (covers a restarted host). */
const RESYNC_MS = 5000;

export function useSession() {
  const runtime = browser.runtime as unknown as RuntimeLike;
  const state = shallowRef<SessionState>();
  const messages = ref<ChatMessage[]>([]);
  /** Set when the peer host cannot be reached. */
  const hostError = ref<ErrorCode>();

  async function refresh(): Promise<void> {
    const reply = await commandSession(runtime, { type: 'session/get-state' });
    if (reply.ok) {
      state.value = reply.state;
      messages.value = reply.messages;
      hostError.value = undefined;
    } else {
      hostError.value = reply.error;
    }
  }

  function upsert(message: ChatMessage): void {
    const index = messages.value.findIndex((m) => m.id === message.id);
    if (index >= 0) messages.value.splice(index, 1, message);
    else messages.value.push(message);
  }

  let stop: (() => void) | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  onMounted(() => {
    stop = onSessionEvent(runtime, (event) => {
      if (event.type === 'event/state') state.value = event.state;
      else if (event.type === 'event/message') upsert(event.message);
    });
    void refresh();
    timer = setInterval(() => void refresh(), RESYNC_MS);
  });
  onBeforeUnmount(() => {
    stop?.();
    if (timer !== undefined) clearInterval(timer);
  });

  function command<C extends SessionCommand>(cmd: C): Promise<SessionReply<C['type']>> {
    return commandSession(runtime, cmd);
  }

  return { state, messages, hostError, refresh, command };
}

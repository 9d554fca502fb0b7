/**
 * The background's one way to the peer host: make sure its document exists, then
 * send the command (`runtime.sendMessage`, lib/messaging.ts). Pages use lines of
 * their own (lib/host-line.ts); this is for what only the background starts.
 */
import { commandOffscreen, onSessionEvent, type RuntimeLike } from '@/lib/messaging';
import type { SessionCommand, SessionEvent, SessionReply, SessionState } from '@/lib/protocol/runtime';
import { ensureOffscreen } from './offscreen';

/** Commands and events between the background and the peer host. */
export interface HostClient {
  /** Makes sure the peer host runs; rejects when the browser refuses to start it. */
  ensure(): Promise<void>;
  /** Sends `command` once the host runs; never rejects (`unavailable` when it does not answer). */
  command<C extends SessionCommand>(command: C): Promise<SessionReply<C['type']>>;
  /** The host's state now, without the history; `undefined` when it does not answer. */
  state(): Promise<SessionState | undefined>;
  /** Calls `listener` with every event the host broadcasts to the background. */
  onEvent(listener: (event: SessionEvent) => void): void;
}

/** @param ensure makes sure the host's document exists (Chrome's offscreen document by default). */
export function createHostClient(runtime: RuntimeLike, ensure: () => Promise<void> = ensureOffscreen): HostClient {
  const command = async <C extends SessionCommand>(body: C): Promise<SessionReply<C['type']>> => {
    try {
      await ensure();
    } catch (error) {
      console.error('[secureconnect] the peer host could not be started', error);
    }
    return commandOffscreen(runtime, body);
  };
  return {
    ensure,
    command,
    state: async () => {
      const reply = await command({ type: 'session/get-state', messages: false });
      return reply.ok ? reply.state : undefined;
    },
    onEvent: (listener) => void onSessionEvent(runtime, listener),
  };
}

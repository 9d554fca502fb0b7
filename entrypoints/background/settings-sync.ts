/**
 * Hands changed settings to the peer host. Pushes go one at a time and each reads
 * the settings when it is sent, so an older copy can never arrive after a newer
 * one (two storage writes in a row used to race, and the slower push won). A push
 * that nobody answered (the offscreen document still starting) is tried again.
 */
import { commandOffscreen, type RuntimeLike } from '@/lib/messaging';
import { loadSessionSettings, SESSION_ITEMS } from '@/lib/storage';

/** Waits between tries of an unanswered push, in ms. */
export const PUSH_RETRY_MS = [250, 500, 1000, 2000, 4000] as const;

/**
 * Watches every session setting and pushes the whole current settings on each change.
 * @param ensureHost makes sure the peer host's document exists.
 * @param sleep injectable for tests.
 */
export function syncSettings(
  runtime: RuntimeLike,
  ensureHost: () => Promise<void>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): void {
  let queue = Promise.resolve();
  let wanted = 0;
  const push = async (ticket: number): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      // A newer change is queued behind us: it will send fresher settings.
      if (ticket !== wanted) return;
      await ensureHost();
      const reply = await commandOffscreen(runtime, { type: 'session/configure', settings: await loadSessionSettings() });
      if (reply.ok || attempt >= PUSH_RETRY_MS.length) return;
      await sleep(PUSH_RETRY_MS[attempt]!);
    }
  };
  for (const item of SESSION_ITEMS) {
    item.watch(() => {
      const ticket = ++wanted;
      queue = queue.then(() => push(ticket)).catch((error: unknown) => console.warn('[secureconnect] settings push failed', error));
    });
  }
}

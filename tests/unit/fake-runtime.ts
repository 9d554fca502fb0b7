/** Test double for `runtime` messaging between extension contexts. */
import type { RuntimeLike, RuntimeListener } from '@/lib/messaging';

/** An in-memory runtime: sendMessage reaches every listener, as Chrome's does for other contexts. */
export function fakeRuntime(id = 'our-extension'): RuntimeLike & { deliver(message: unknown, senderId?: string): Promise<unknown> } {
  const listeners = new Set<RuntimeListener>();
  const deliver = async (message: unknown, senderId = id): Promise<unknown> => {
    for (const listener of listeners) {
      const answer = listener(structuredClone(message), { id: senderId });
      if (answer !== undefined) return structuredClone(await answer);
    }
    throw new Error('Could not establish connection. Receiving end does not exist.');
  };
  return {
    id,
    sendMessage: (message) => deliver(message),
    onMessage: { addListener: (l) => listeners.add(l), removeListener: (l) => listeners.delete(l) },
    deliver,
  };
}

/** Test double for `runtime` messaging and ports between extension contexts. */
import type { RuntimeLike, RuntimeListener } from '@/lib/messaging';
import type { PortLike, PortRuntime } from '@/lib/session/host-ports';

/** One end of a fake port; `peer` is the other end. Messages arrive in order, a task later, cloned. */
class FakePort implements PortLike {
  peer: FakePort | undefined;
  connected = true;
  private readonly messageListeners = new Set<(message: unknown) => void>();
  private readonly disconnectListeners = new Set<() => void>();
  readonly onMessage = { addListener: (l: (message: unknown) => void) => void this.messageListeners.add(l) };
  readonly onDisconnect = { addListener: (l: () => void) => void this.disconnectListeners.add(l) };

  constructor(
    readonly name: string,
    readonly sender?: { id?: string },
  ) {}

  postMessage(message: unknown): void {
    if (!this.connected) throw new Error('Attempting to use a disconnected port object');
    const copy = structuredClone(message);
    // Read the other end when it arrives: a message posted at once after connect waits for it, as in Chrome.
    setTimeout(() => {
      if (this.peer?.connected) for (const listener of this.peer.messageListeners) listener(copy);
    }, 0);
  }

  /** Like Chrome: the other end learns of it; this end's own listeners do not fire. */
  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    setTimeout(() => this.peer?.closedByPeer(), 0);
  }

  closedByPeer(): void {
    if (!this.connected) return;
    this.connected = false;
    for (const listener of this.disconnectListeners) listener();
  }
}

export type FakeRuntime = RuntimeLike &
  PortRuntime & {
    deliver(message: unknown, senderId?: string): Promise<unknown>;
    /** Every port a `connect` opened (the page ends), newest last. */
    readonly opened: FakePort[];
    /** `connect` as the browser would report it from the extension `senderId`. */
    connectAs(senderId: string, name: string): FakePort;
  };

/** An in-memory runtime: sendMessage reaches every listener, as Chrome's does for other contexts; connect reaches the onConnect listeners. */
export function fakeRuntime(id = 'our-extension'): FakeRuntime {
  const listeners = new Set<RuntimeListener>();
  const connectListeners = new Set<(port: PortLike) => void>();
  const opened: FakePort[] = [];
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
    connect: ({ name }) => connectAs(id, name),
    onConnect: { addListener: (l) => connectListeners.add(l), removeListener: (l) => connectListeners.delete(l) },
    deliver,
    opened,
    connectAs,
  };

  function connectAs(senderId: string, name: string): FakePort {
      const page = new FakePort(name);
      opened.push(page);
      const takers = [...connectListeners];
      setTimeout(() => {
        if (!page.connected) return;
        // Nobody listening: Chrome closes the opener's port ("Receiving end does not exist").
        if (takers.length === 0) return page.closedByPeer();
        const host = new FakePort(name, { id: senderId });
        host.peer = page;
        page.peer = host;
        for (const taker of takers) taker(host);
      }, 0);
      return page;
  }
}

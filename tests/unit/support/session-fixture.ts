/**
 * A `PeerSession` on fake PeerJS (`session-fakes.ts`), made afresh for each test of the
 * file that calls {@link useSession}: fake timers, registered with the PeerServer.
 */
import { afterEach, beforeEach, expect, vi } from 'vitest';
import { hello } from '@/lib/protocol/peer';
import type { ChatMessage, SessionState } from '@/lib/protocol/runtime';
import { PeerSession } from '@/lib/session/peer-session';
import { DEFAULT_SIGNALING, type SessionSettings } from '@/lib/settings';
import { fakePeers, type FakeConnection, type FakePeer } from './session-fakes';
import { testLog } from './test-log';

export const fixtureSettings: SessionSettings = {
  peerId: 'me-otter-1000',
  displayName: 'Me',
  signaling: DEFAULT_SIGNALING,
  iceServers: [{ url: 'stun:stun.example.org' }],
  pins: {},
  // Unit tests treat every peer as trusted, except where consent is the subject.
  trusted: ['bob-otter-2000', 'alice-otter-1', 'zed-otter-1', 'ghost-otter-3000', 'slow-otter-3000'],
  blocked: [],
};

/** The current test's session and what it reported; fields are replaced before each test. */
export interface SessionFixture {
  session: PeerSession;
  /** Every `Peer` the session made, oldest first. */
  peers: FakePeer[];
  states: SessionState[];
  events: Array<{ message: ChatMessage; added: boolean }>;
  /** The newest `Peer`. */
  peer(): FakePeer;
  state(): SessionState;
  /** Lets promise callbacks run (two microtask turns). */
  flush(): Promise<void>;
  /** Connects to `remote`; its side opens and says hello (its user accepted). */
  connected(remote?: string): Promise<FakeConnection>;
}

/** Registers the hooks that make a fresh session for each test; message IDs are `id-1`, `id-2`, … */
export function useSession(settings: SessionSettings = fixtureSettings): SessionFixture {
  const t = {
    peer: () => t.peers.at(-1)!,
    state: () => t.session.getState(),
    flush: async () => {
      await Promise.resolve();
      await Promise.resolve();
    },
    connected: async (remote = 'bob-otter-2000') => {
      const result = t.session.connect(remote);
      const conn = t.peer().outgoing.at(-1)!;
      await conn.opened();
      conn.emit('data', hello(''));
      await expect(result).resolves.toEqual({ ok: true });
      return conn;
    },
  } as SessionFixture;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const made = fakePeers();
    t.peers = made.peers;
    t.states = [];
    t.events = [];
    let ids = 0;
    t.session = new PeerSession({
      createPeer: made.createPeer,
      onState: (s) => t.states.push(s),
      onMessage: (message, added) => t.events.push({ message, added }),
      newId: () => `id-${++ids}`,
      backoff: { baseMs: 1000, maxMs: 10_000, jitter: 0 },
      log: testLog,
    });
    t.session.configure(settings);
    t.peer().registered();
  });

  afterEach(() => {
    t.session.destroy();
    vi.useRealTimers();
  });
  return t;
}

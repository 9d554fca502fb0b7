/**
 * The PeerServer going while a dialled connection waits for its answer (found by the
 * race test, tests/e2e/race.test.ts): the answer is lost with it, and nothing says
 * so. The attempt is dialled again once we are registered again, or fails in time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hello } from '@/lib/protocol/peer';
import { CONNECT_TIMEOUT_MS, type PeerSession } from '@/lib/session/peer-session';
import { DEFAULT_SIGNALING, type SessionSettings } from '@/lib/settings';
import { sessionOnFakes, type FakePeer } from './support/session-fakes';

const BOB = 'bob-otter-2000';
const settings: SessionSettings = { peerId: 'me-otter-1000', displayName: 'Me', signaling: DEFAULT_SIGNALING, iceServers: [], pins: {}, trusted: [BOB], blocked: [] };

describe('the PeerServer goes mid-handshake', () => {
  let peers: FakePeer[];
  let session: PeerSession;
  const peer = (): FakePeer => peers.at(-1)!;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    ({ session, peers } = sessionOnFakes(settings, { backoff: { baseMs: 1000, maxMs: 10_000, jitter: 0 } }));
    peer().registered();
  });
  afterEach(() => {
    session.destroy();
    vi.useRealTimers();
  });

  it('dials again once registered again; the caller gets the new connection', async () => {
    const result = session.connect(BOB);
    const first = peer().outgoing[0]!;
    peer().lostServer();
    expect(session.getState().peers[0]).toMatchObject({ id: BOB, state: 'connecting' });
    peer().registered();
    expect(first.closed, 'the attempt whose answer was lost').toBe(true);
    const second = peer().outgoing[1];
    expect(second, 'a new dial').toBeDefined();
    await second!.opened();
    second!.emit('data', hello('Bob'));
    await expect(result).resolves.toEqual({ ok: true });
    expect(session.getState().peers[0]).toMatchObject({ id: BOB, state: 'connected' });
  });

  it('fails with the reason when the PeerServer stays away', async () => {
    const result = session.connect(BOB);
    peer().lostServer();
    await vi.advanceTimersByTimeAsync(CONNECT_TIMEOUT_MS);
    await expect(result).resolves.toEqual({ ok: false, error: 'server-unreachable' });
    expect(session.getState().peers.filter((p) => p.state === 'connecting'), 'attempts still shown as connecting').toEqual([]);
  });

  it('keeps an attempt whose answer had arrived: it needs no PeerServer to open', async () => {
    const result = session.connect(BOB);
    const first = peer().outgoing[0]!;
    Object.assign(first, {
      peerConnection: { remoteDescription: { type: 'answer', sdp: '' }, addEventListener() {}, removeEventListener() {}, getStats: async () => new Map() },
    });
    peer().lostServer();
    peer().registered();
    expect(peer().outgoing, 'no new dial').toHaveLength(1);
    expect(first.closed, 'the answered attempt').toBe(false);
    expect(session.getState().peers[0]).toMatchObject({ id: BOB, state: 'connecting' });
    session.destroy();
    await expect(result).resolves.toMatchObject({ ok: false });
  });
});

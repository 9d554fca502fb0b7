/**
 * Races in connection setup found by a two-sided simulation (each test fails on 361a51e):
 * a trusted list that arrives after the offer, both users dialling at once, and a
 * consent timer that outlived the answer.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hello, textMessage } from '@/lib/protocol/peer';
import { PeerSession } from '@/lib/session/peer-session';
import { FakePeer, settings, startFakeSession, type FakeConnection } from './support/fake-peer';

describe('connection-setup races', () => {
  let peer: FakePeer;
  let session: PeerSession;
  let requests: string[];
  const view = (id: string) => session.getState().peers.find((p) => p.id === id);
  /** Lets WebCrypto (the certificate hash) finish without advancing (possibly fake) timers. */
  const settle = async (until: () => boolean): Promise<void> => {
    for (let i = 0; i < 2000 && !until(); i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const open = async (conn: FakeConnection): Promise<void> => {
    const before = conn.sent.length;
    conn.open = true;
    conn.emit('open');
    conn.diallerSpeaks();
    await settle(() => conn.sent.length > before || requests.length > 0);
  };

  beforeEach(() => {
    ({ session, requests } = startFakeSession((made) => (peer = made)));
  });

  afterEach(() => {
    session.destroy();
    vi.useRealTimers();
  });

  // Race 1: the trusted list reaches the peer host after the peer's offer (bench pair warm-up, consent e2e).
  it('answers a held request once the trusted list naming that peer arrives', () => {
    peer.deliver('bob-otter-2000');
    expect(requests).toEqual(['bob-otter-2000']);
    // storage -> background -> session/configure, a moment after the offer came
    session.configure({ ...settings, trusted: ['bob-otter-2000'] });
    // Without this the offer stays held: the dialler shows "waiting for their answer" and gets
    // connection-declined after CONSENT_TIMEOUT_MS, although it is trusted.
    expect(peer.answered).toHaveLength(1);
    expect(view('bob-otter-2000')?.waiting).toBeUndefined();
  });

  // Race 2: both users dial at once, neither trusts the other yet; the larger ID keeps the other's connection.
  it('glare: the connection kept instead of ours is not put to our user as a request', async () => {
    // 'alpha-…' < 'me-…': ours is the one closed, theirs is kept (acceptIncoming).
    const dialled = session.connect('alpha-otter-1');
    peer.deliver('alpha-otter-1', 'dc_theirs');
    const theirs = peer.answered[0]!;
    await open(theirs);
    expect(requests).toEqual([]);
    expect(theirs.sent[0]).toEqual(hello('Me'));
    await expect(dialled).resolves.toEqual({ ok: true });
  });

  // Race 3: the consent timer of opened()'s "ask again" survives the user's yes (answerConnection, dialler side).
  it('a redial our user accepted again is not cut 2 minutes later by the timer of the question', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    void session.connect('bob-otter-2000');
    const first = peer.outgoing[0]!;
    await open(first);
    first.emit('data', hello('Bob'));
    expect(view('bob-otter-2000')?.state).toBe('connected');
    first.emit('close');
    peer.remoteCertificate = 2; // Bob's redial presents another certificate: asked again
    void session.connect('bob-otter-2000');
    const second = peer.outgoing[1]!;
    await open(second);
    expect(requests).toEqual(['bob-otter-2000']);
    expect(session.answerConnection('bob-otter-2000', true)).toEqual({ ok: true });
    second.emit('data', hello('Bob'));
    expect(view('bob-otter-2000')?.state).toBe('connected');
    await vi.advanceTimersByTimeAsync(121_000);
    expect(view('bob-otter-2000')).toMatchObject({ state: 'connected' });
  });

  // A callee sends hello, then its outbox, then its verification commit: the dialler, still
  // reading the certificate, keeps them all, however many texts came first.
  it('keeps the verification commit that comes behind a full buffer of texts', async () => {
    void session.connect('bob-otter-2000');
    const conn = peer.outgoing[0]!;
    conn.open = true;
    conn.emit('data', hello('Bob'));
    for (let i = 0; i < 80; i++) conn.emit('data', textMessage(`t${i}`, `queued ${i}`, 1));
    conn.emit('data', { v: 1, type: 'sas-commit', hash: 'ab'.repeat(32) });
    conn.emit('open');
    await settle(() => conn.sent.some((m) => (m as { type?: string }).type === 'sas-reveal'));
    expect(view('bob-otter-2000')?.state).toBe('connected');
    expect(conn.sent.some((m) => (m as { type?: string }).type === 'sas-reveal')).toBe(true);
  });

  // Their pacer starts afresh on each connection; our rate limit must too, or a redial right
  // after a burst loses its hello.
  it('does not drop the hello of a redial that follows a burst of texts', async () => {
    void session.connect('bob-otter-2000');
    const first = peer.outgoing[0]!;
    await open(first);
    first.emit('data', hello('Bob'));
    for (let i = 0; i < 100; i++) first.emit('data', textMessage(`b${i}`, `burst ${i}`, 1));
    first.emit('close');
    void session.connect('bob-otter-2000');
    const second = peer.outgoing[1]!;
    await open(second);
    second.emit('data', hello('Bob'));
    expect(view('bob-otter-2000')?.state).toBe('connected');
  });

  // Both sides change settings: B dials back, then restarts before its attempt opens. PeerJS says
  // nothing of a channel that never opened, so A's click joined a dead attempt for 15 s.
  it('withdraws its unopened attempts when it restarts, and a peer told so dials itself at once', async () => {
    session.configure({ ...settings, trusted: ['bob-otter-2000'] });
    void session.connect('bob-otter-2000');
    const before = peer;
    session.configure({ ...settings, trusted: ['bob-otter-2000'], iceServers: [{ url: 'stun:stun.example.org' }] });
    expect(before.server).toContainEqual({ type: 'LEAVE', dst: 'bob-otter-2000', payload: { sc: 'withdrawn', connectionId: 'dc_out0' } });

    // The other side of it: B's attempt, answered and joined by our user's click, is withdrawn.
    peer.emit('open', settings.peerId);
    peer.deliver('zed-otter-1', 'dc_zed1');
    session.configure({ ...settings, trusted: ['bob-otter-2000', 'zed-otter-1'], iceServers: [{ url: 'stun:stun.example.org' }] });
    expect(view('zed-otter-1')).toMatchObject({ state: 'connecting', initiator: 'them' });
    const joined = session.connect('zed-otter-1');
    expect(peer.outgoing).toHaveLength(0);
    (peer as unknown as { _handleMessage(m: unknown): void })._handleMessage({ type: 'LEAVE', src: 'zed-otter-1', payload: { sc: 'withdrawn', connectionId: 'dc_zed1' } });
    await settle(() => peer.outgoing.length > 0);
    expect(peer.outgoing.map((conn) => conn.peer)).toEqual(['zed-otter-1']);
    expect(view('zed-otter-1')).toMatchObject({ state: 'connecting', initiator: 'me' });
    void joined;
  });

  // One AbortController per attempt (peer-table.ts): a connection replaced by the peer's redial
  // keeps firing events in Chromium for a while; none of them may act on the peer.
  it('ignores every late event of a replaced attempt, and its heartbeat stops', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    session.configure({ ...settings, trusted: ['bob-otter-2000'] });
    peer.deliver('bob-otter-2000', 'dc_first');
    const first = peer.answered[0]!;
    first.dialledByPeer = true;
    await open(first);
    expect(view('bob-otter-2000')?.state).toBe('connected');
    peer.deliver('bob-otter-2000', 'dc_second');
    const second = peer.answered[1]!;
    second.dialledByPeer = true;
    await open(second);
    expect(view('bob-otter-2000')?.state).toBe('connected');
    expect(first.closed).toBe(true);
    const pingsBefore = first.sent.length;
    first.emit('data', textMessage('late', 'from the old connection', 1));
    first.emit('open');
    first.emit('error', { type: 'webrtc', message: 'late' });
    first.emit('close');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(view('bob-otter-2000')).toMatchObject({ state: 'connected' });
    expect(session.getMessages().map((m) => m.text)).toEqual([]);
    expect(first.sent.length, 'the old attempt still pinged').toBe(pingsBefore);
  });
});

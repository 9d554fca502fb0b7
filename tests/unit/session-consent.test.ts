/**
 * Consent and identity at the session level: offers held unanswered, own-property
 * trust, one identity check on every setup (lib/session/peer-session.ts), against
 * a stand-in for PeerJS that routes server messages through `_handleMessage` as PeerJS 1.5 does.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isPeerId } from '@/lib/ids';
import { hello, textMessage } from '@/lib/protocol/peer';
import { PeerSession, SAS_TIMEOUT_MS } from '@/lib/session/peer-session';
import { fakePc, FakePeer, fpOf, settings, startFakeSession } from './support/fake-peer';

describe('PeerSession consent and identity', () => {
  let peer: FakePeer;
  let session: PeerSession;
  let requests: string[];
  const view = (id: string) => session.getState().peers.find((p) => p.id === id);

  beforeEach(() => {
    ({ session, requests } = startFakeSession((made) => (peer = made)));
  });

  afterEach(() => session.destroy());

  it('holds a stranger\'s offer unanswered until Accept, then answers and connects', async () => {
    peer.deliver('stranger-otter-9');
    expect(requests).toEqual(['stranger-otter-9']);
    expect(view('stranger-otter-9')).toMatchObject({ state: 'connecting', waiting: 'our-answer' });
    // Nothing answered: no connection exists, nothing went back through the PeerServer.
    expect(peer.answered).toEqual([]);
    expect(peer.server).toEqual([]);
    expect(session.answerConnection('stranger-otter-9', true)).toEqual({ ok: true });
    const conn = peer.answered[0]!;
    await conn.opened();
    expect(conn.sent[0]).toEqual(hello('Me'));
    expect(view('stranger-otter-9')).toMatchObject({ state: 'connected' });
  });

  it('treats IDs named like Object.prototype members, and any other unknown ID, as strangers', () => {
    const names = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'].filter(isPeerId);
    expect(names).toContain('toString');
    const seen = new Set<string>();
    const check = (id: string): void => {
      if (seen.has(id) || id === settings.peerId) return;
      seen.add(id);
      peer.deliver(id, `dc_${seen.size}`);
      expect(view(id)).toMatchObject({ waiting: 'our-answer' });
      expect(peer.answered.filter((c) => c.peer === id)).toEqual([]);
      session.forget(id);
    };
    names.forEach(check);
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9]{3,24}$/), check), { numRuns: 300 });
  });

  it('tells a declined stranger so, and refuses it without a prompt when it asks again at once', () => {
    peer.deliver('stranger-otter-9', 'dc_a1');
    session.answerConnection('stranger-otter-9', false);
    expect(peer.server).toEqual([{ type: 'LEAVE', dst: 'stranger-otter-9', payload: { sc: 'declined', connectionId: 'dc_a1' } }]);
    peer.deliver('stranger-otter-9', 'dc_a2');
    expect(requests).toEqual(['stranger-otter-9']);
    expect(peer.server.at(-1)).toEqual({ type: 'LEAVE', dst: 'stranger-otter-9', payload: { sc: 'declined', connectionId: 'dc_a2' } });
    expect(view('stranger-otter-9')).toBeUndefined();
  });

  it('a redial that reaches another identity asks again and sends nothing queued', async () => {
    const first = session.connect('bob-otter-2000');
    const conn = peer.outgoing[0]!;
    await conn.opened();
    conn.emit('data', hello('Bob'));
    await expect(first).resolves.toEqual({ ok: true });
    conn.emit('close');
    expect(session.sendText('bob-otter-2000', 'for Bob only')).toMatchObject({ ok: true });
    // Someone else holds Bob's ID now and answers the redial.
    peer.remoteCertificate = 2;
    void session.connect('bob-otter-2000');
    const thief = peer.outgoing[1]!;
    await thief.opened();
    thief.emit('data', hello('Bob'));
    expect(requests).toEqual(['bob-otter-2000']);
    expect(view('bob-otter-2000')).toMatchObject({ state: 'connecting', waiting: 'our-answer' });
    expect(thief.sent.some((m) => (m as { type?: string }).type === 'text')).toBe(false);
    expect(thief.sent).toEqual([]);
    expect(session.getMessages()[0]).toMatchObject({ text: 'for Bob only', status: 'queued' });
  });

  it('keeps a hello that arrives before the channel\'s open event (Chromium may deliver it first)', async () => {
    session.configure({ ...settings, trusted: ['bob-otter-2000'] });
    const result = session.connect('bob-otter-2000');
    const conn = peer.outgoing[0]!;
    conn.emit('data', hello('Bob'));
    await conn.opened();
    await expect(result).resolves.toEqual({ ok: true });
    expect(view('bob-otter-2000')).toMatchObject({ state: 'connected', name: 'Bob' });
  });

  it('holds a pinned peer whose certificate differs, and one whose certificate cannot be read', async () => {
    session.configure({ ...settings, pins: { 'bob-otter-2000': fpOf(0) } });
    peer.emit('open', settings.peerId);
    peer.deliver('bob-otter-2000');
    const conn = peer.answered[0]!;
    // The SDP names another algorithm (Chromium accepts sha-512): the certificate decides.
    (conn.peerConnection as { remoteDescription: { sdp: string } }).remoteDescription.sdp = `v=0\r\na=fingerprint:sha-512 ${'AB:'.repeat(63)}AB\r\n`;
    await conn.opened();
    expect(view('bob-otter-2000')).toMatchObject({ state: 'connected', identity: 'changed' });
    conn.emit('data', textMessage('t1', 'from the thief', 1));
    expect(session.getMessages()).toEqual([]);

    peer.deliver('bob-otter-2000', 'dc_in2');
    const unreadable = peer.answered[1]!;
    // Its SDP claims the pinned fingerprint, but no certificate can be read: that is no proof.
    unreadable.peerConnection = { ...fakePc(0), sctp: null, getStats: () => Promise.reject(new Error('gone')) };
    await unreadable.opened();
    await new Promise((resolve) => setTimeout(resolve, 3200));
    expect(view('bob-otter-2000')).toMatchObject({ identity: 'changed' });
  });

  it('fails verification, not "unsupported", when a peer that says it is SecureConnect sends none', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      peer.deliver('stranger-otter-9');
      session.answerConnection('stranger-otter-9', true);
      const conn = peer.answered[0]!;
      conn.open = true;
      conn.emit('open');
      conn.diallerSpeaks();
      // The certificate is hashed (WebCrypto, not a timer) before our hello goes out.
      for (let i = 0; i < 2000 && conn.sent.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(conn.sent[0]).toEqual(hello('Me'));
      conn.emit('data', hello('Mallory'));
      await vi.advanceTimersByTimeAsync(SAS_TIMEOUT_MS + 100);
      expect(view('stranger-otter-9')?.verification).toEqual({ state: 'failed' });
    } finally {
      vi.useRealTimers();
    }
  });
});

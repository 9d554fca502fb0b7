/**
 * The session's logic against a stand-in for PeerJS (unit level only: the
 * end-to-end tests use real PeerJS, WebRTC and a real PeerServer).
 *
 * Connecting: registration, consent, failures, glare.
 */
import { describe, expect, it, vi } from 'vitest';
import { hello, ping, textMessage } from '@/lib/protocol/peer';
import { CONNECT_TIMEOUT_MS } from '@/lib/session/peer-session';
import { FakeConnection, sessionOnFakes } from './support/session-fakes';
import { fixtureSettings as settings, useSession } from './support/session-fixture';

describe('PeerSession', () => {
  const t = useSession();

  it('registers with the configured PeerServer and only the configured ICE servers', async () => {
    expect(t.peers).toHaveLength(1);
    expect(t.peer().id).toBe('me-otter-1000');
    expect(t.peer().options).toMatchObject({ host: '127.0.0.1', port: 9000, path: '/peerjs', secure: false, key: 'peerjs' });
    expect(t.peer().options.config).toEqual({ iceServers: [{ urls: 'stun:stun.example.org' }], iceTransportPolicy: 'all' });
    await t.flush();
    expect(t.states.at(-1)?.server).toEqual({ status: 'online', url: 'ws://127.0.0.1:9000/peerjs' });
  });

  it('passes the persistent certificate to every connection and shows its fingerprint', () => {
    const certificate = { expires: 0, getFingerprints: () => [] } as unknown as RTCCertificate;
    const { session: withCert, peers: created } = sessionOnFakes(settings, { certificate, fingerprint: 'AB:CD' });
    expect(created[0]!.options.config?.certificates).toEqual([certificate]);
    expect(withCert.getState().fingerprint).toBe('AB:CD');
    withCert.destroy();
  });

  it('connects: open state, hello sent, protocol options used', async () => {
    const conn = await t.connected();
    expect(conn.options).toMatchObject({ serialization: 'binary', reliable: true, metadata: { app: 'secureconnect', protocol: 1 } });
    expect(conn.sent).toEqual([hello('Me'), ping()]);
    expect(t.state().peers).toMatchObject([{ id: 'bob-otter-2000', state: 'connected', initiator: 'me', connection: conn.connectionId }]);
    expect(t.state().lastPeerId).toBe('bob-otter-2000');
    conn.emit('data', hello('Bob'));
    expect(t.state().peers[0]!.name).toBe('Bob');
  });

  describe('consent', () => {
    it('asks before an untrusted peer connects, keeps what it sends, and delivers it on accept', async () => {
      const requests: string[] = [];
      (t.session as unknown as { deps: { onConnectionRequest?: (id: string) => void } }).deps.onConnectionRequest = (id) => requests.push(id);
      const incoming = new FakeConnection('stranger-otter-9');
      t.peer().emit('connection', incoming);
      await incoming.opened();
      expect(requests).toEqual(['stranger-otter-9']);
      expect(t.state().peers).toMatchObject([{ id: 'stranger-otter-9', state: 'connecting', waiting: 'our-answer' }]);
      // Nothing is sent to them, nothing of theirs is shown, until our user says yes.
      incoming.emit('data', hello('Stranger'));
      incoming.emit('data', textMessage('t1', 'hello there', 1));
      expect(incoming.sent).toEqual([]);
      expect(t.session.getMessages()).toEqual([]);
      expect(t.session.sendText('stranger-otter-9', 'hi')).toEqual({ ok: false, error: 'not-connected' });

      expect(t.session.answerConnection('stranger-otter-9', true)).toEqual({ ok: true });
      expect(t.state().peers[0]).toMatchObject({ state: 'connected', name: 'Stranger' });
      expect(t.state().peers[0]!.waiting).toBeUndefined();
      expect(t.session.getMessages()).toMatchObject([{ text: 'hello there', direction: 'in' }]);
      expect(incoming.sent[0]).toEqual(hello('Me'));
    });

    it('declining closes the connection and forgets the peer', async () => {
      const incoming = new FakeConnection('stranger-otter-9');
      t.peer().emit('connection', incoming);
      await incoming.opened();
      expect(t.session.answerConnection('stranger-otter-9', false)).toEqual({ ok: true });
      expect(incoming.closed).toBe(true);
      expect(t.state().peers).toEqual([]);
    });

    it('refuses blocked peers without asking, and drops a connected peer when it gets blocked', async () => {
      t.session.configure({ ...settings, blocked: ['mallory-otter-6'] });
      const incoming = new FakeConnection('mallory-otter-6');
      t.peer().emit('connection', incoming);
      expect(incoming.closed).toBe(true);
      expect(t.state().peers).toEqual([]);
      await t.connected();
      t.session.configure({ ...settings, blocked: ['bob-otter-2000'] });
      expect(t.state().peers).toEqual([]);
      expect(t.peers).toHaveLength(1);
    });

    it('lets trusted peers connect without asking', async () => {
      const incoming = new FakeConnection('bob-otter-2000');
      t.peer().emit('connection', incoming);
      await incoming.opened();
      expect(t.state().peers[0]).toMatchObject({ state: 'connected' });
    });

    it('the caller waits for the other side\'s yes (its hello), and is told when it does not come', async () => {
      const result = t.session.connect('stranger-otter-9');
      const conn = t.peer().outgoing[0]!;
      await conn.opened();
      expect(t.state().peers[0]).toMatchObject({ state: 'connecting', waiting: 'their-answer' });
      conn.close();
      await expect(result).resolves.toEqual({ ok: false, error: 'connection-declined' });
    });
  });

  it('refuses bad IDs, its own ID, and connecting while the PeerServer is away', async () => {
    await expect(t.session.connect('not valid')).resolves.toEqual({ ok: false, error: 'bad-peer-id' });
    await expect(t.session.connect('me-otter-1000')).resolves.toEqual({ ok: false, error: 'self-connect' });
    t.peer().lostServer();
    await expect(t.session.connect('bob-otter-2000')).resolves.toEqual({ ok: false, error: 'server-unreachable' });
  });

  it('reports an unknown peer and does not keep it in the list', async () => {
    const result = t.session.connect('ghost-otter-3000');
    t.peer().emit('error', Object.assign(new Error('Could not connect to peer ghost-otter-3000'), { type: 'peer-unavailable' }));
    await expect(result).resolves.toEqual({ ok: false, error: 'peer-unavailable' });
    expect(t.state().peers).toEqual([]);
  });

  it('gives up on a connection that does not open in time', async () => {
    const result = t.session.connect('slow-otter-3000');
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS);
    await expect(result).resolves.toEqual({ ok: false, error: 'connect-timeout' });
    expect(t.peer().outgoing[0]!.closed).toBe(true);
  });

  it('keeps one connection when both sides dial at once', async () => {
    // Our ID "me-…" sorts after "alice-…", so their connection wins.
    t.session.connect('alice-otter-1');
    const mine = t.peer().outgoing[0]!;
    const theirs = new FakeConnection('alice-otter-1');
    t.peer().emit('connection', theirs);
    expect(mine.closed).toBe(true);
    await theirs.opened();
    expect(t.state().peers).toMatchObject([{ id: 'alice-otter-1', state: 'connected', initiator: 'them' }]);

    // "zed-…" sorts after us, so our connection wins and theirs is closed.
    t.session.connect('zed-otter-1');
    const ours = t.peer().outgoing[1]!;
    const incoming = new FakeConnection('zed-otter-1');
    t.peer().emit('connection', incoming);
    expect(incoming.closed).toBe(true);
    expect(ours.closed).toBe(false);
  });

  it('dials itself when the incoming attempt a Connect click joined never opens', async () => {
    // Their side restarted mid-handshake: the attempt stays unopened and nothing says so.
    const dead = new FakeConnection('bob-otter-2000');
    t.peer().emit('connection', dead);
    const result = t.session.connect('bob-otter-2000');
    expect(t.peer().outgoing).toHaveLength(0);
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS);
    await t.flush();
    const ours = t.peer().outgoing[0]!;
    expect(ours.peer).toBe('bob-otter-2000');
    await ours.opened();
    ours.emit('data', hello(''));
    await expect(result).resolves.toEqual({ ok: true });
    expect(t.state().peers).toMatchObject([{ id: 'bob-otter-2000', state: 'connected', initiator: 'me' }]);
  });

});

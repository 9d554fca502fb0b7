/**
 * The session's logic against a stand-in for PeerJS (unit level only: the
 * end-to-end tests use real PeerJS, WebRTC and a real PeerServer).
 */
import type { Peer } from 'peerjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ack, bye, hello, ping, TEXT_MAX_BYTES, textMessage } from '@/lib/protocol/peer';
import type { ChatMessage, SessionState } from '@/lib/protocol/runtime';
import { CONNECT_TIMEOUT_MS, PeerSession } from '@/lib/session/peer-session';
import { DEFAULT_SIGNALING, type SessionSettings } from '@/lib/settings';
import { FakeConnection, FakePeer } from './support/session-fakes';
import { testLog } from './support/test-log';

const settings: SessionSettings = {
  peerId: 'me-otter-1000',
  displayName: 'Me',
  signaling: DEFAULT_SIGNALING,
  iceServers: [{ url: 'stun:stun.example.org' }],
  pins: {},
  // Unit tests treat every peer as trusted, except where consent is the subject.
  trusted: ['bob-otter-2000', 'alice-otter-1', 'zed-otter-1', 'ghost-otter-3000', 'slow-otter-3000'],
  blocked: [],
};

describe('PeerSession', () => {
  let peers: FakePeer[];
  let states: SessionState[];
  let events: Array<{ message: ChatMessage; added: boolean }>;
  let session: PeerSession;
  let ids: number;
  const peer = (): FakePeer => peers.at(-1)!;
  const state = (): SessionState => session.getState();
  const flush = async (): Promise<void> => {
    await Promise.resolve();
    await Promise.resolve();
  };

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    peers = [];
    states = [];
    events = [];
    ids = 0;
    session = new PeerSession({
      createPeer: (id, options) => {
        const created = new FakePeer(id, options);
        peers.push(created);
        return created as unknown as Peer;
      },
      onState: (s) => states.push(s),
      onMessage: (message, added) => events.push({ message, added }),
      newId: () => `id-${++ids}`,
      backoff: { baseMs: 1000, maxMs: 10_000, jitter: 0 },
      log: testLog,
    });
    session.configure(settings);
    peer().registered();
  });

  afterEach(() => {
    session.destroy();
    vi.useRealTimers();
  });

  /** Connects to `remote`; its side opens and says hello (its user accepted). */
  async function connected(remote = 'bob-otter-2000'): Promise<FakeConnection> {
    const result = session.connect(remote);
    const conn = peer().outgoing.at(-1)!;
    await conn.opened();
    conn.emit('data', hello(''));
    await expect(result).resolves.toEqual({ ok: true });
    return conn;
  }

  it('registers with the configured PeerServer and only the configured ICE servers', async () => {
    expect(peers).toHaveLength(1);
    expect(peer().id).toBe('me-otter-1000');
    expect(peer().options).toMatchObject({ host: '127.0.0.1', port: 9000, path: '/peerjs', secure: false, key: 'peerjs' });
    expect(peer().options.config).toEqual({ iceServers: [{ urls: 'stun:stun.example.org' }], iceTransportPolicy: 'all' });
    await flush();
    expect(states.at(-1)?.server).toEqual({ status: 'online', url: 'ws://127.0.0.1:9000/peerjs' });
  });

  it('passes the persistent certificate to every connection and shows its fingerprint', () => {
    const certificate = { expires: 0, getFingerprints: () => [] } as unknown as RTCCertificate;
    const created: FakePeer[] = [];
    const withCert = new PeerSession({
      createPeer: (id, options) => {
        const p = new FakePeer(id, options);
        created.push(p);
        return p as unknown as Peer;
      },
      onState: () => {},
      onMessage: () => {},
      certificate,
      fingerprint: 'AB:CD',
    });
    withCert.configure(settings);
    expect(created[0]!.options.config?.certificates).toEqual([certificate]);
    expect(withCert.getState().fingerprint).toBe('AB:CD');
    withCert.destroy();
  });

  it('connects: open state, hello sent, protocol options used', async () => {
    const conn = await connected();
    expect(conn.options).toMatchObject({ serialization: 'binary', reliable: true, metadata: { app: 'secureconnect', protocol: 1 } });
    expect(conn.sent).toEqual([hello('Me'), ping()]);
    expect(state().peers).toMatchObject([{ id: 'bob-otter-2000', state: 'connected', initiator: 'me' }]);
    expect(state().lastPeerId).toBe('bob-otter-2000');
    conn.emit('data', hello('Bob'));
    expect(state().peers[0]!.name).toBe('Bob');
  });

  describe('consent', () => {
    it('asks before an untrusted peer connects, keeps what it sends, and delivers it on accept', async () => {
      const requests: string[] = [];
      (session as unknown as { deps: { onConnectionRequest?: (id: string) => void } }).deps.onConnectionRequest = (id) => requests.push(id);
      const incoming = new FakeConnection('stranger-otter-9');
      peer().emit('connection', incoming);
      await incoming.opened();
      expect(requests).toEqual(['stranger-otter-9']);
      expect(state().peers).toMatchObject([{ id: 'stranger-otter-9', state: 'connecting', waiting: 'our-answer' }]);
      // Nothing is sent to them, nothing of theirs is shown, until our user says yes.
      incoming.emit('data', hello('Stranger'));
      incoming.emit('data', textMessage('t1', 'hello there', 1));
      expect(incoming.sent).toEqual([]);
      expect(session.getMessages()).toEqual([]);
      expect(session.sendText('stranger-otter-9', 'hi')).toEqual({ ok: false, error: 'not-connected' });

      expect(session.answerConnection('stranger-otter-9', true)).toEqual({ ok: true });
      expect(state().peers[0]).toMatchObject({ state: 'connected', name: 'Stranger' });
      expect(state().peers[0]!.waiting).toBeUndefined();
      expect(session.getMessages()).toMatchObject([{ text: 'hello there', direction: 'in' }]);
      expect(incoming.sent[0]).toEqual(hello('Me'));
    });

    it('declining closes the connection and forgets the peer', async () => {
      const incoming = new FakeConnection('stranger-otter-9');
      peer().emit('connection', incoming);
      await incoming.opened();
      expect(session.answerConnection('stranger-otter-9', false)).toEqual({ ok: true });
      expect(incoming.closed).toBe(true);
      expect(state().peers).toEqual([]);
    });

    it('refuses blocked peers without asking, and drops a connected peer when it gets blocked', async () => {
      session.configure({ ...settings, blocked: ['mallory-otter-6'] });
      const incoming = new FakeConnection('mallory-otter-6');
      peer().emit('connection', incoming);
      expect(incoming.closed).toBe(true);
      expect(state().peers).toEqual([]);
      await connected();
      session.configure({ ...settings, blocked: ['bob-otter-2000'] });
      expect(state().peers).toEqual([]);
      expect(peers).toHaveLength(1);
    });

    it('lets trusted peers connect without asking', async () => {
      const incoming = new FakeConnection('bob-otter-2000');
      peer().emit('connection', incoming);
      await incoming.opened();
      expect(state().peers[0]).toMatchObject({ state: 'connected' });
    });

    it('the caller waits for the other side\'s yes (its hello), and is told when it does not come', async () => {
      const result = session.connect('stranger-otter-9');
      const conn = peer().outgoing[0]!;
      await conn.opened();
      expect(state().peers[0]).toMatchObject({ state: 'connecting', waiting: 'their-answer' });
      conn.close();
      await expect(result).resolves.toEqual({ ok: false, error: 'connection-declined' });
    });
  });

  it('refuses bad IDs, its own ID, and connecting while the PeerServer is away', async () => {
    await expect(session.connect('not valid')).resolves.toEqual({ ok: false, error: 'bad-peer-id' });
    await expect(session.connect('me-otter-1000')).resolves.toEqual({ ok: false, error: 'self-connect' });
    peer().lostServer();
    await expect(session.connect('bob-otter-2000')).resolves.toEqual({ ok: false, error: 'server-unreachable' });
  });

  it('reports an unknown peer and does not keep it in the list', async () => {
    const result = session.connect('ghost-otter-3000');
    peer().emit('error', Object.assign(new Error('Could not connect to peer ghost-otter-3000'), { type: 'peer-unavailable' }));
    await expect(result).resolves.toEqual({ ok: false, error: 'peer-unavailable' });
    expect(state().peers).toEqual([]);
  });

  it('gives up on a connection that does not open in time', async () => {
    const result = session.connect('slow-otter-3000');
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS);
    await expect(result).resolves.toEqual({ ok: false, error: 'connect-timeout' });
    expect(peer().outgoing[0]!.closed).toBe(true);
  });

  it('sends text, and marks it delivered on ack', async () => {
    const conn = await connected();
    const result = session.sendText('bob-otter-2000', 'Привет 👋');
    expect(result).toEqual({ ok: true, messageId: 'id-1' });
    expect(conn.sent.at(-1)).toEqual(textMessage('id-1', 'Привет 👋', Date.now()));
    expect(session.getMessages()).toMatchObject([{ id: 'id-1', direction: 'out', status: 'sent', text: 'Привет 👋' }]);
    conn.emit('data', ack('id-1'));
    expect(session.getMessages()[0]!.status).toBe('delivered');
    expect(events.map((e) => [e.message.status, e.added])).toEqual([
      ['sent', true],
      ['delivered', false],
    ]);
  });

  it('refuses empty, oversized and unconnected sends without recording them', async () => {
    await connected();
    expect(session.sendText('bob-otter-2000', '  \n')).toEqual({ ok: false, error: 'text-empty' });
    expect(session.sendText('bob-otter-2000', 'x'.repeat(TEXT_MAX_BYTES + 1))).toEqual({ ok: false, error: 'text-too-long' });
    expect(session.sendText('bob-otter-2000', '€'.repeat(TEXT_MAX_BYTES / 3 + 1))).toEqual({ ok: false, error: 'text-too-long' });
    expect(session.sendText('nobody-otter-1', 'hi')).toEqual({ ok: false, error: 'not-connected' });
    expect(session.getMessages()).toEqual([]);
  });

  it('keeps a refused send in the history when asked to (context menu)', () => {
    expect(session.sendText('nobody-otter-1', 'selected text', true)).toEqual({ ok: false, error: 'not-connected' });
    expect(session.getMessages()).toMatchObject([{ text: 'selected text', status: 'failed', error: 'not-connected' }]);
  });

  it('receives text once, acknowledging every copy, and drops invalid messages', async () => {
    const conn = await connected();
    conn.emit('data', textMessage('r1', 'hello', 5));
    conn.emit('data', textMessage('r1', 'hello', 5));
    conn.emit('data', { v: 1, type: 'text', id: 'r2', text: '<b>x</b>', sentAt: 5, html: true });
    conn.emit('data', 'garbage');
    expect(session.getMessages()).toMatchObject([{ direction: 'in', status: 'received', text: 'hello', peerId: 'bob-otter-2000' }]);
    expect(conn.sent.filter((m) => (m as { type: string }).type === 'ack')).toEqual([ack('r1'), ack('r1')]);
  });

  it('drops messages from a peer over the rate limit', async () => {
    const conn = await connected();
    for (let i = 0; i < 150; i++) conn.emit('data', textMessage(`f${i}`, `flood ${i}`, 1));
    // The bucket holds 100: one went to the peer's hello.
    expect(session.getMessages()).toHaveLength(99);
    vi.advanceTimersByTime(1000);
    conn.emit('data', textMessage('later', 'after a second', 1));
    expect(session.getMessages().at(-1)?.text).toBe('after a second');
  });

  it('pings every 2 s, and takes a pinging peer that falls silent for 6 s as gone', async () => {
    const conn = await connected();
    vi.advanceTimersByTime(2000);
    expect(conn.sent.at(-1)).toEqual(ping());
    conn.emit('data', ping());
    vi.advanceTimersByTime(6000);
    expect(state().peers[0]!.state).toBe('connected');
    vi.advanceTimersByTime(1000);
    expect(state().peers[0]).toMatchObject({ state: 'disconnected', error: 'peer-disconnected' });
    expect(conn.closed).toBe(true);
  });

  it('does not hold peers that never ping (e.g. stock PeerJS) to the heartbeat', async () => {
    await connected();
    vi.advanceTimersByTime(60_000);
    expect(state().peers[0]!.state).toBe('connected');
  });

  it('marks the peer disconnected and unacked texts not confirmed when the peer leaves', async () => {
    const conn = await connected();
    session.sendText('bob-otter-2000', 'are you there?');
    conn.close();
    expect(state().peers[0]).toMatchObject({ state: 'disconnected', error: 'peer-disconnected' });
    expect(session.getMessages()[0]!.status).toBe('undelivered');
  });

  it('disconnects on request without reporting an error', async () => {
    await connected();
    expect(session.disconnect('bob-otter-2000')).toEqual({ ok: true });
    expect(state().peers[0]).toMatchObject({ state: 'disconnected' });
    expect(state().peers[0]!.error).toBeUndefined();
    session.forget('bob-otter-2000');
    expect(state().peers).toEqual([]);
  });

  it('reconnects to the PeerServer with backoff and keeps peer connections meanwhile', async () => {
    const conn = await connected();
    peer().lostServer();
    await flush();
    expect(states.at(-1)?.server).toMatchObject({ status: 'offline', error: 'server-unreachable', retryAt: Date.now() + 1000 });
    expect(conn.closed).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(peer().reconnects).toBe(1);
    peer().lostServer();
    vi.advanceTimersByTime(1999);
    expect(peer().reconnects).toBe(1);
    vi.advanceTimersByTime(1);
    expect(peer().reconnects).toBe(2);
    peer().registered();
    await flush();
    expect(states.at(-1)?.server.status).toBe('online');
    expect(session.sendText('bob-otter-2000', 'still here').ok).toBe(true);
  });

  it('says when our ID is taken and keeps trying', async () => {
    const first = peer();
    first.emit('error', Object.assign(new Error('ID "me-otter-1000" is taken'), { type: 'unavailable-id' }));
    first.destroyed = true;
    first.emit('close');
    await flush();
    expect(states.at(-1)?.server).toMatchObject({ status: 'id-taken', error: 'id-taken' });
    vi.advanceTimersByTime(1000);
    expect(peers).toHaveLength(2);
    expect(peer().id).toBe('me-otter-1000');
  });

  it('stops retrying on errors that settings must fix', async () => {
    peer().emit('error', Object.assign(new Error('bad key'), { type: 'invalid-key' }));
    await flush();
    expect(states.at(-1)?.server).toEqual({ status: 'offline', error: 'invalid-key', url: 'ws://127.0.0.1:9000/peerjs' });
  });

  it('says "invalid ID" when our PeerServer refuses the ID (PeerJS reports it as a server error)', async () => {
    peer().emit('error', Object.assign(new Error('Invalid id provided'), { type: 'server-error' }));
    await flush();
    expect(states.at(-1)?.server).toMatchObject({ status: 'offline', error: 'invalid-id' });
  });

  it('keeps one connection when both sides dial at once', async () => {
    // Our ID "me-…" sorts after "alice-…", so their connection wins.
    session.connect('alice-otter-1');
    const mine = peer().outgoing[0]!;
    const theirs = new FakeConnection('alice-otter-1');
    peer().emit('connection', theirs);
    expect(mine.closed).toBe(true);
    await theirs.opened();
    expect(state().peers).toMatchObject([{ id: 'alice-otter-1', state: 'connected', initiator: 'them' }]);

    // "zed-…" sorts after us, so our connection wins and theirs is closed.
    session.connect('zed-otter-1');
    const ours = peer().outgoing[1]!;
    const incoming = new FakeConnection('zed-otter-1');
    peer().emit('connection', incoming);
    expect(incoming.closed).toBe(true);
    expect(ours.closed).toBe(false);
  });

  it('dials itself when the incoming attempt a Connect click joined never opens', async () => {
    // Their side restarted mid-handshake: the attempt stays unopened and nothing says so.
    const dead = new FakeConnection('bob-otter-2000');
    peer().emit('connection', dead);
    const result = session.connect('bob-otter-2000');
    expect(peer().outgoing).toHaveLength(0);
    vi.advanceTimersByTime(CONNECT_TIMEOUT_MS);
    await flush();
    const ours = peer().outgoing[0]!;
    expect(ours.peer).toBe('bob-otter-2000');
    await ours.opened();
    ours.emit('data', hello(''));
    await expect(result).resolves.toEqual({ ok: true });
    expect(state().peers).toMatchObject([{ id: 'bob-otter-2000', state: 'connected', initiator: 'me' }]);
  });

  it('restarts the peer when settings that matter change, not for a display name', () => {
    session.configure({ ...settings, displayName: 'Other' });
    expect(peers).toHaveLength(1);
    session.configure({ ...settings, peerId: 'new-otter-1000' });
    expect(peers).toHaveLength(2);
    expect(peers[0]!.destroyed).toBe(true);
    expect(peer().id).toBe('new-otter-1000');
  });

  it('registers every Peer of the session with the same PeerServer token, so a ghost of our ID is reclaimed', () => {
    const first = peer();
    first.emit('error', Object.assign(new Error('ID taken'), { type: 'unavailable-id' }));
    first.destroyed = true;
    first.emit('close');
    vi.advanceTimersByTime(1000);
    expect(peers).toHaveLength(2);
    expect(peer().options.token).toMatch(/^[0-9a-f]{32}$/);
    expect(peer().options.token).toBe(first.options.token);
  });

  it('registers again when the PeerServer never confirms (it held our ID for a socket it thought alive)', () => {
    session.configure({ ...settings, peerId: 'ghost-otter-1000' });
    const stuck = peer();
    vi.advanceTimersByTime(3999);
    expect(stuck.disconnected).toBe(false);
    vi.advanceTimersByTime(1);
    expect(stuck.disconnected).toBe(true);
    expect(session.getState().server.status).toBe('offline');
    vi.advanceTimersByTime(1000);
    expect(stuck.reconnects).toBe(1);
    stuck.registered();
    vi.advanceTimersByTime(10_000);
    expect(stuck.reconnects).toBe(1);
  });

  describe('after losing a connection that worked', () => {
    /** The connection drops without a `bye` (e.g. the relay died): the remote side closes under us. */
    async function lose(): Promise<FakeConnection> {
      const conn = await connected();
      conn.close();
      return conn;
    }

    it('dials again by itself and shows that it does', async () => {
      await lose();
      expect(state().peers[0]).toMatchObject({ state: 'disconnected', reconnecting: { attempt: 0 } });
      // "me-…" sorts after "bob-…": we yield 1.5 s, plus 0.5 s ±20 %.
      vi.advanceTimersByTime(1500 + 399);
      expect(peer().outgoing).toHaveLength(1);
      vi.advanceTimersByTime(202);
      expect(peer().outgoing).toHaveLength(2);
      const again = peer().outgoing[1]!;
      await again.opened();
      again.emit('data', hello('Bob'));
      await flush();
      expect(state().peers[0]).toMatchObject({ state: 'connected' });
      expect(state().peers[0]!.reconnecting).toBeUndefined();
    });

    it('backs off while the peer is unreachable, and gives up after 10 minutes', async () => {
      await lose();
      let attempts = 0;
      for (let ms = 0; ms < 11 * 60_000; ms += 500) {
        vi.advanceTimersByTime(500);
        const latest = peer().outgoing.at(-1)!;
        if (peer().outgoing.length - 1 > attempts) {
          attempts = peer().outgoing.length - 1;
          peer().emit('error', Object.assign(new Error(`Could not connect to peer ${latest.peer}`), { type: 'peer-unavailable' }));
        }
      }
      // 0.5, 1, 2, 4, then every 5 s (+1.5 s each): about 90 attempts in 10 minutes, none after.
      expect(attempts).toBeGreaterThan(60);
      expect(attempts).toBeLessThan(120);
      expect(state().peers[0]).toMatchObject({ state: 'disconnected' });
      expect(state().peers[0]!.reconnecting).toBeUndefined();
    });

    it('queues text typed meanwhile and sends it, after the unacknowledged, once and in order', async () => {
      const conn = await connected();
      session.sendText('bob-otter-2000', 'first (never acked)');
      conn.close();
      expect(session.sendText('bob-otter-2000', 'second (typed while away)')).toEqual({ ok: true, messageId: 'id-2' });
      expect(session.sendText('bob-otter-2000', 'third')).toMatchObject({ ok: true });
      expect(session.getMessages().map((m) => m.status)).toEqual(['undelivered', 'queued', 'queued']);

      vi.advanceTimersByTime(2100);
      const again = peer().outgoing[1]!;
      await again.opened();
      again.emit('data', hello(''));
      await flush();
      const texts = again.sent.filter((m): m is { type: 'text'; id: string; text: string } => (m as { type: string }).type === 'text');
      expect(texts.map((m) => [m.id, m.text])).toEqual([
        ['id-1', 'first (never acked)'],
        ['id-2', 'second (typed while away)'],
        ['id-3', 'third'],
      ]);
      expect(session.getMessages().map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
      for (const id of ['id-1', 'id-2', 'id-3']) again.emit('data', ack(id));
      expect(session.getMessages().map((m) => m.status)).toEqual(['delivered', 'delivered', 'delivered']);
    });

    it('marks queued text as not sent when the user stops the reconnection', async () => {
      await lose();
      session.sendText('bob-otter-2000', 'waiting');
      session.disconnect('bob-otter-2000');
      expect(session.getMessages()[0]).toMatchObject({ status: 'failed', error: 'not-connected' });
      vi.advanceTimersByTime(60_000);
      expect(peer().outgoing).toHaveLength(1);
      expect(session.sendText('bob-otter-2000', 'now?')).toEqual({ ok: false, error: 'not-connected' });
    });

    it('does not dial back a peer whose user said bye, and says bye itself on disconnect', async () => {
      const conn = await connected();
      conn.emit('data', bye());
      expect(state().peers[0]).toMatchObject({ state: 'disconnected' });
      expect(state().peers[0]!.reconnecting).toBeUndefined();
      vi.advanceTimersByTime(60_000);
      expect(peer().outgoing).toHaveLength(1);

      const second = await connected();
      session.disconnect('bob-otter-2000');
      expect(second.sent.at(-1)).toEqual(bye());
      // Closed a moment later, so that the bye leaves first.
      expect(second.closed).toBe(false);
      vi.advanceTimersByTime(300);
      expect(second.closed).toBe(true);
      vi.advanceTimersByTime(60_000);
      expect(peer().outgoing).toHaveLength(2);
    });

    it('waits for the PeerServer before dialling, and dials as soon as it is back', async () => {
      await lose();
      peer().lostServer();
      vi.advanceTimersByTime(5000);
      expect(peer().outgoing).toHaveLength(1);
      peer().registered();
      vi.advanceTimersByTime(2100);
      expect(peer().outgoing).toHaveLength(2);
    });
  });
});

describe('PeerSession with relay only and TURN credentials from the PeerServer', () => {
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  let created: FakePeer[];
  let fetches: string[];
  let answers: Array<() => Promise<Response>>;
  let session: PeerSession;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date('2026-11-21T12:00:00Z'));
    created = [];
    fetches = [];
    answers = [];
    session = new PeerSession({
      createPeer: (id, options) => {
        const made = new FakePeer(id, options);
        created.push(made);
        return made as unknown as Peer;
      },
      onState: () => {},
      onMessage: () => {},
      fetch: ((url: string) => {
        fetches.push(url);
        const next = answers.shift();
        return next ? next() : Promise.reject(new TypeError('Failed to fetch'));
      }) as typeof fetch,
      log: testLog,
    });
  });

  afterEach(() => {
    session.destroy();
    vi.useRealTimers();
  });

  const minted = (ttlSeconds: number, password = 'c2VjcmV0'): (() => Promise<Response>) => () => {
    const expiresAt = Math.floor(Date.now() / 1000) + ttlSeconds;
    const body = { urls: ['turn:127.0.0.1:3478?transport=udp'], username: `${expiresAt}:me-otter-1000`, credential: password, expiresAt, ttlSeconds };
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
  };

  it('fetches credentials once registered, with its PeerServer token, uses them with relay only, and renews them at half-life', async () => {
    answers.push(minted(600, 'Zmlyc3Q='), minted(600, 'c2Vjb25k'));
    session.configure({ ...settings, relayOnly: true, turnFromServer: true, iceServers: [] });
    expect(session.getState().turn).toEqual({ status: 'fetching' });
    // The PeerServer mints only for a peer registered with the token it shows: register first.
    expect(created).toHaveLength(1);
    await flush();
    expect(fetches).toEqual([]);
    created[0]!.registered();
    await flush();
    const token = (created[0]!.options as { token?: string }).token;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(fetches).toEqual([`http://127.0.0.1:9000/peerjs/turn-credentials?peerId=me-otter-1000&token=${token}`]);
    const config = created[0]!.options.config!;
    expect(config.iceTransportPolicy).toBe('relay');
    expect(config.iceServers).toEqual([{ urls: 'turn:127.0.0.1:3478?transport=udp', username: expect.stringMatching(/:me-otter-1000$/), credential: 'Zmlyc3Q=' }]);
    expect(session.getState()).toMatchObject({ relayOnly: true, turn: { status: 'ready' } });

    vi.advanceTimersByTime(300_000);
    await flush();
    expect(fetches).toHaveLength(2);
    // Same config object, new password: PeerJS reads it for every new RTCPeerConnection.
    expect(created[0]!.options.config!.iceServers![0]!.credential).toBe('c2Vjb25k');
    expect(created).toHaveLength(1);
  });

  it('keeps valid credentials when a renewal fails, and says so once they are gone', async () => {
    answers.push(minted(20));
    session.configure({ ...settings, relayOnly: true, turnFromServer: true, iceServers: [] });
    created[0]!.registered();
    await flush();
    vi.advanceTimersByTime(10_000); // renewal at half-life fails (no answer queued)
    await flush();
    expect(session.getState().turn?.status).toBe('ready');
    vi.advanceTimersByTime(15_000); // expired, next retries fail too
    await flush();
    expect(session.getState().turn).toEqual({ status: 'failed', error: 'turn-credentials-failed' });
    await expect(session.connect('bob-otter-2000')).resolves.toEqual({ ok: false, error: 'turn-credentials-failed' });
  });

  it('registers anyway when the endpoint fails, and refuses relay-only connections without a TURN server', async () => {
    session.configure({ ...settings, relayOnly: true, turnFromServer: true, iceServers: [] });
    await flush();
    expect(created).toHaveLength(1);
    created[0]!.registered();
    await expect(session.connect('bob-otter-2000')).resolves.toEqual({ ok: false, error: 'turn-credentials-failed' });

    session.configure({ ...settings, relayOnly: true, iceServers: [{ url: 'stun:stun.example.org' }] });
    created.at(-1)!.registered();
    await expect(session.connect('bob-otter-2000')).resolves.toEqual({ ok: false, error: 'relay-unconfigured' });
  });
});


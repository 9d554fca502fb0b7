/**
 * The session's logic against a stand-in for PeerJS (unit level only: the
 * end-to-end tests use real PeerJS, WebRTC and a real PeerServer).
 */
import { EventEmitter } from 'node:events';
import type { DataConnection, Peer, PeerOptions } from 'peerjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ack, hello, ping, TEXT_MAX_BYTES, textMessage } from '@/lib/protocol/peer';
import type { ChatMessage, SessionState } from '@/lib/protocol/runtime';
import { CONNECT_TIMEOUT_MS, PeerSession } from '@/lib/session/peer-session';
import { DEFAULT_SIGNALING, type SessionSettings } from '@/lib/settings';

class FakeConnection extends EventEmitter {
  open = false;
  readonly sent: unknown[] = [];
  closed = false;
  constructor(
    readonly peer: string,
    readonly options?: unknown,
  ) {
    super();
  }
  send(data: unknown): void {
    this.sent.push(data);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const wasOpen = this.open;
    this.open = false;
    if (wasOpen) this.emit('close');
  }
  /** The remote side's channel opened. */
  opened(): void {
    this.open = true;
    this.emit('open');
  }
}

class FakePeer extends EventEmitter {
  disconnected = false;
  destroyed = false;
  open = false;
  reconnects = 0;
  readonly outgoing: FakeConnection[] = [];
  constructor(
    readonly id: string,
    readonly options: PeerOptions,
  ) {
    super();
  }
  connect(peerId: string, options: unknown): FakeConnection {
    const conn = new FakeConnection(peerId, options);
    this.outgoing.push(conn);
    return conn;
  }
  reconnect(): void {
    this.disconnected = false;
    this.reconnects++;
  }
  destroy(): void {
    this.destroyed = true;
  }
  registered(): void {
    this.open = true;
    this.emit('open', this.id);
  }
  lostServer(): void {
    this.open = false;
    this.emit('error', Object.assign(new Error('Lost connection to server.'), { type: 'network' }));
    this.disconnected = true;
    this.emit('disconnected', this.id);
  }
}

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
      log: { info: () => {}, warn: () => {}, error: () => {} },
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
    conn.opened();
    conn.emit('data', hello(''));
    await expect(result).resolves.toEqual({ ok: true });
    return conn;
  }

  it('registers with the configured PeerServer and only the configured ICE servers', async () => {
    expect(peers).toHaveLength(1);
    expect(peer().id).toBe('me-otter-1000');
    expect(peer().options).toMatchObject({ host: '127.0.0.1', port: 9000, path: '/peerjs', secure: false, key: 'peerjs' });
    expect(peer().options.config).toEqual({ iceServers: [{ urls: 'stun:stun.example.org' }] });
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
    expect(conn.sent).toEqual([hello('Me')]);
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
      incoming.opened();
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

    it('declining closes the connection and forgets the peer', () => {
      const incoming = new FakeConnection('stranger-otter-9');
      peer().emit('connection', incoming);
      incoming.opened();
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

    it('lets trusted peers connect without asking', () => {
      const incoming = new FakeConnection('bob-otter-2000');
      peer().emit('connection', incoming);
      incoming.opened();
      expect(state().peers[0]).toMatchObject({ state: 'connected' });
    });

    it('the caller waits for the other side\'s yes (its hello), and is told when it does not come', async () => {
      const result = session.connect('stranger-otter-9');
      const conn = peer().outgoing[0]!;
      conn.opened();
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

  it('keeps one connection when both sides dial at once', async () => {
    // Our ID "me-…" sorts after "alice-…", so their connection wins.
    session.connect('alice-otter-1');
    const mine = peer().outgoing[0]!;
    const theirs = new FakeConnection('alice-otter-1');
    peer().emit('connection', theirs);
    expect(mine.closed).toBe(true);
    theirs.opened();
    expect(state().peers).toMatchObject([{ id: 'alice-otter-1', state: 'connected', initiator: 'them' }]);

    // "zed-…" sorts after us, so our connection wins and theirs is closed.
    session.connect('zed-otter-1');
    const ours = peer().outgoing[1]!;
    const incoming = new FakeConnection('zed-otter-1');
    peer().emit('connection', incoming);
    expect(incoming.closed).toBe(true);
    expect(ours.closed).toBe(false);
  });

  it('restarts the peer when settings that matter change, not for a display name', () => {
    session.configure({ ...settings, displayName: 'Other' });
    expect(peers).toHaveLength(1);
    session.configure({ ...settings, peerId: 'new-otter-1000' });
    expect(peers).toHaveLength(2);
    expect(peers[0]!.destroyed).toBe(true);
    expect(peer().id).toBe('new-otter-1000');
  });
});

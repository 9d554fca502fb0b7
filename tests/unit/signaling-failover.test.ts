/**
 * Issue 15: the extension's list of PeerServers. Each retry after the server was
 * unreachable goes to the next one, with the same `Peer` (so open connections live on).
 */
import type { Peer, PeerOptions } from 'peerjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SignalingClient, type SignalingHooks } from '@/lib/session/signaling-client';
import { DEFAULT_SIGNALING, type SessionSettings, type SignalingSettings } from '@/lib/settings';
import { FakePeer } from './support/session-fakes';

const one: SignalingSettings = { ...DEFAULT_SIGNALING, port: 9001 };
const two: SignalingSettings = { ...DEFAULT_SIGNALING, host: 'signal-2.example.org', port: 443, secure: true, path: '/peerjs/s3cret' };
const settings: SessionSettings = { peerId: 'me-otter-1000', displayName: '', signaling: one, fallbackServers: [two], iceServers: [], pins: {}, trusted: [], blocked: [] };

/** A PeerJS 1.5 `Peer` as far as moving it goes: `_options`, `_socket` and `_createServerConnection`. */
class MovablePeer extends FakePeer {
  /** Where each registration went: `host:port/path`. */
  readonly registrations: string[] = [];
  readonly sockets: Array<{ target: string; closed: boolean }> = [];
  _options: PeerOptions & { host: string; port: number; path: string };
  _socket: { removeAllListeners(): void; close(): void };
  constructor(id: string, options: PeerOptions, movable = true) {
    super(id, options);
    this._options = { ...options, host: options.host!, port: options.port!, path: options.path! };
    this._socket = this._createServerConnection();
    this.registrations.push(this.target());
    if (!movable) Object.assign(this, { _createServerConnection: undefined });
  }
  private target(): string {
    return `${this._options.host}:${this._options.port}${this._options.path}`;
  }
  _createServerConnection(): { removeAllListeners(): void; close(): void } {
    const socket = { target: this.target(), closed: false };
    this.sockets.push(socket);
    return { removeAllListeners: () => {}, close: () => (socket.closed = true) };
  }
  override reconnect(): void {
    super.reconnect();
    this.registrations.push(this.target());
  }
  idTaken(): void {
    this.emit('error', Object.assign(new Error('ID "me-otter-1000" is taken'), { type: 'unavailable-id' }));
    this.disconnected = true;
    this.emit('disconnected', this.id);
  }
}

describe('PeerServer failover', () => {
  let peers: MovablePeer[];
  let registeredAt: SignalingSettings[];
  let tearDowns: number;
  let movable: boolean;
  let client: SignalingClient;

  beforeEach(() => {
    vi.useFakeTimers();
    peers = [];
    registeredAt = [];
    tearDowns = 0;
    movable = true;
    const hooks: SignalingHooks = {
      createPeer: (id, options) => {
        const peer = new MovablePeer(id, options, movable);
        peers.push(peer);
        return peer as unknown as Peer;
      },
      iceConfig: () => ({}),
      policy: { decide: () => 'allow', refused: () => {} } as unknown as SignalingHooks['policy'],
      changed: () => {},
      registered: (_token, server) => registeredAt.push(server),
      connection: () => {},
      call: () => {},
      peerUnavailable: () => {},
      tearingDown: () => tearDowns++,
      socketLost: () => {},
      now: () => Date.now(),
      backoff: { baseMs: 1000, maxMs: 3000, jitter: 0 },
      log: { info: () => {}, warn: () => {} },
    };
    client = new SignalingClient(hooks);
  });

  afterEach(() => {
    client.stop();
    vi.useRealTimers();
  });

  it('registers at the first server of the list, and shows it', () => {
    client.start(settings);
    peers[0]!.registered();
    expect(peers[0]!.registrations).toEqual(['127.0.0.1:9001/peerjs']);
    expect(client.server).toMatchObject({ status: 'online', url: 'ws://127.0.0.1:9001/peerjs' });
    expect(registeredAt).toEqual([one]);
  });

  it('moves the same Peer to the next server after one backoff step when its server goes, keeping its connections', async () => {
    client.start(settings);
    const peer = peers[0]!;
    peer.registered();
    peer.lostServer();
    // The next server is named at once, with the token in its path hidden.
    expect(client.server).toMatchObject({ status: 'offline', url: 'wss://signal-2.example.org:443/peerjs/…' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(peers).toHaveLength(1);
    expect(tearDowns).toBe(0);
    // PeerJS appends `peerjs?key=` to the path: it ends with `/`, as the Peer constructor makes it.
    expect(peer.registrations).toEqual(['127.0.0.1:9001/peerjs', 'signal-2.example.org:443/peerjs/s3cret/']);
    expect(peer._options).toMatchObject({ secure: true, key: 'peerjs' });
    expect(peer.sockets.map((socket) => socket.closed)).toEqual([true, false]);
    peer.registered();
    expect(client.server).toMatchObject({ status: 'online', url: 'wss://signal-2.example.org:443/peerjs/…' });
    expect(registeredAt).toEqual([one, two]);
  });

  it('goes round the list, one server per backoff step, while none answers', async () => {
    client.start(settings);
    const peer = peers[0]!;
    peer.lostServer();
    await vi.advanceTimersByTimeAsync(1000);
    peer.lostServer();
    await vi.advanceTimersByTimeAsync(1999);
    expect(peer.registrations).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    peer.lostServer();
    await vi.advanceTimersByTimeAsync(3000);
    expect(peer.registrations.map((target) => target.split(':')[0])).toEqual(['127.0.0.1', 'signal-2.example.org', '127.0.0.1', 'signal-2.example.org']);
  });

  it('stays at a server that answers ID-TAKEN: it is reachable, and the ID is held there', async () => {
    client.start(settings);
    const peer = peers[0]!;
    peer.registered();
    peer.idTaken();
    expect(client.server).toMatchObject({ status: 'id-taken', url: 'ws://127.0.0.1:9001/peerjs' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(peer.registrations).toEqual(['127.0.0.1:9001/peerjs', '127.0.0.1:9001/peerjs']);
  });

  it('without fallbacks, retries the one server with the same Peer', async () => {
    client.start({ ...settings, fallbackServers: [] });
    peers[0]!.lostServer();
    await vi.advanceTimersByTimeAsync(1000);
    expect(peers).toHaveLength(1);
    expect(peers[0]!.registrations).toEqual(['127.0.0.1:9001/peerjs', '127.0.0.1:9001/peerjs']);
  });

  it('makes a new Peer at the next server when the Peer cannot be moved (not PeerJS 1.5)', async () => {
    movable = false;
    client.start(settings);
    peers[0]!.lostServer();
    await vi.advanceTimersByTimeAsync(1000);
    expect(peers).toHaveLength(2);
    expect(tearDowns).toBe(1);
    expect(peers[1]!.registrations).toEqual(['signal-2.example.org:443/peerjs/s3cret']);
  });
});

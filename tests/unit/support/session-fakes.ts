/**
 * Stand-ins for PeerJS's `Peer` and `DataConnection` as far as the session's own logic
 * goes (events, sends, registration, a lost server); no signaling guard internals.
 */
import { EventEmitter } from 'node:events';
import type { Peer, PeerOptions } from 'peerjs';
import { PeerSession, type PeerSessionDeps } from '@/lib/session/peer-session';
import type { SessionSettings } from '@/lib/settings';
import { testLog } from './test-log';

let connections = 0;

export class FakeConnection extends EventEmitter {
  open = false;
  /** As PeerJS makes them: `dc_` and a random token. */
  readonly connectionId = `dc_fake${++connections}`;
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
  /** PeerJS's serialization of this connection (ours: BinaryPack). */
  readonly serialization = 'binary';
  /** The remote side's channel opened; resolves once the session has read the (absent) identity. */
  async opened(): Promise<void> {
    this.open = true;
    this.emit('open');
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
}

export class FakePeer extends EventEmitter {
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
  disconnect(): void {
    this.open = false;
    this.disconnected = true;
    this.emit('disconnected', this.id);
  }
  destroy(): void {
    this.destroyed = true;
  }
  registered(): void {
    this.open = true;
    this.disconnected = false;
    this.emit('open', this.id);
  }
  lostServer(): void {
    this.open = false;
    this.emit('error', Object.assign(new Error('Lost connection to server.'), { type: 'network' }));
    this.disconnect();
  }
}

/** A `createPeer` that makes {@link FakePeer}s, and the list they are collected in, oldest first. */
export function fakePeers(): { peers: FakePeer[]; createPeer: PeerSessionDeps['createPeer'] } {
  const peers: FakePeer[] = [];
  const createPeer = (id: string, options: PeerOptions): Peer => {
    const created = new FakePeer(id, options);
    peers.push(created);
    return created as unknown as Peer;
  };
  return { peers, createPeer };
}

/**
 * A configured session whose every `Peer` is a {@link FakePeer}, collected in `peers`
 * (a restart adds one); `deps` adds to or replaces the session's dependencies.
 */
export function sessionOnFakes(settings: SessionSettings, deps: Partial<PeerSessionDeps> = {}): { session: PeerSession; peers: FakePeer[] } {
  const { peers, createPeer } = fakePeers();
  const session = new PeerSession({ createPeer, onState: () => {}, onMessage: () => {}, log: testLog, ...deps });
  session.configure(settings);
  return { session, peers };
}

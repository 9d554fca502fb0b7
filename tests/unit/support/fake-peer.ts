/**
 * A stand-in for PeerJS for session tests: a `Peer` that routes server messages
 * through `_handleMessage` as PeerJS 1.5 does, and data connections whose remote
 * certificate is one byte repeated (so its SHA-256 differs per byte).
 */
import { EventEmitter } from 'node:events';
import type { Peer, PeerOptions } from 'peerjs';
import { hello } from '@/lib/protocol/peer';
import { PeerSession } from '@/lib/session/peer-session';
import { DEFAULT_SIGNALING, type SessionSettings } from '@/lib/settings';
import { testLog } from './test-log';

export const sdp = (fp: string): string => `v=0\r\na=fingerprint:sha-256 ${fp}\r\n`;
export const fpOf = (byte: number): string => Array(32).fill(byte.toString(16).padStart(2, '0').toUpperCase()).join(':');

export const fakePc = (remote = 1) => ({
  localDescription: { sdp: sdp(fpOf(9)) },
  remoteDescription: { sdp: sdp(fpOf(remote)) },
  addEventListener: () => {},
  removeEventListener: () => {},
});

/** A DataConnection whose certificate is `der` (one byte repeated, so its SHA-256 differs per byte). */
export class FakeConnection extends EventEmitter {
  open = false;
  closed = false;
  readonly sent: unknown[] = [];
  readonly serialization = 'binary';
  readonly metadata = { app: 'secureconnect' };
  peerConnection: unknown;
  /** The remote side dialled (we answered): like SecureConnect, it speaks first, on its `open`. */
  dialledByPeer = false;
  constructor(
    readonly peer: string,
    readonly connectionId: string,
    certificateByte: number,
  ) {
    super();
    const der = new Uint8Array(8).fill(certificateByte).buffer;
    this.peerConnection = { ...fakePc(certificateByte), sctp: { transport: { getRemoteCertificates: () => [der] } } };
  }
  send(data: unknown): void {
    this.sent.push(data);
  }
  /** What a SecureConnect dialler sends when its channel opens (an answer of ours waits for it: send-gate.ts). */
  diallerSpeaks(): void {
    if (this.dialledByPeer) this.emit('data', hello('Them'));
  }
  close(): void {
    this.closed = true;
    this.open = false;
  }
  async opened(): Promise<void> {
    this.open = true;
    this.emit('open');
    this.diallerSpeaks();
    // The session hashes the certificate (WebCrypto) before it sends anything.
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export class FakePeer extends EventEmitter {
  open = true;
  disconnected = false;
  destroyed = false;
  readonly server: unknown[] = [];
  readonly answered: FakeConnection[] = [];
  readonly outgoing: FakeConnection[] = [];
  /** The certificate byte of whoever answers our next dial. */
  remoteCertificate = 1;
  readonly socket = { send: (data: unknown) => this.server.push(data) };
  constructor(
    readonly id: string,
    readonly options: PeerOptions,
  ) {
    super();
  }
  /** PeerJS answers an offer at once; the guard wraps this. */
  _handleMessage(message: { type: string; src: string; payload: { connectionId: string } }): void {
    if (message.type !== 'OFFER') return;
    const conn = new FakeConnection(message.src, message.payload.connectionId, this.remoteCertificate);
    conn.dialledByPeer = true;
    this.answered.push(conn);
    this.emit('connection', conn);
  }
  getConnection(): undefined {
    return undefined;
  }
  connect(peerId: string): FakeConnection {
    const conn = new FakeConnection(peerId, `dc_out${this.outgoing.length}`, this.remoteCertificate);
    this.outgoing.push(conn);
    return conn;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** A server message, as the PeerServer would send it. */
  deliver(src: string, connectionId = 'dc_in1'): void {
    (this as unknown as { _handleMessage(m: unknown): void })._handleMessage({
      type: 'OFFER',
      src,
      payload: { type: 'data', connectionId, serialization: 'binary', reliable: true, metadata: { app: 'secureconnect' }, sdp: { type: 'offer', sdp: sdp(fpOf(this.remoteCertificate)) } },
    });
  }
}

export const settings: SessionSettings = { peerId: 'me-otter-1000', displayName: 'Me', signaling: DEFAULT_SIGNALING, iceServers: [], pins: {}, trusted: [], blocked: [] };

/**
 * A session with {@link settings} on {@link FakePeer}s, registered. `onPeer` hears of each
 * `Peer` it creates (a restart makes a new one); `requests` collects the connection requests.
 */
export function startFakeSession(onPeer: (peer: FakePeer) => void): { session: PeerSession; requests: string[] } {
  const requests: string[] = [];
  let current: FakePeer | undefined;
  const session = new PeerSession({
    createPeer: (id, options) => {
      current = new FakePeer(id, options);
      onPeer(current);
      return current as unknown as Peer;
    },
    onState: () => {},
    onMessage: () => {},
    onConnectionRequest: (id) => requests.push(id),
    log: testLog,
  });
  session.configure(settings);
  current!.emit('open', settings.peerId);
  return { session, requests };
}

/**
 * Watches one connection's transport while it is set up and after: the answer to
 * our offer (a peer whose user is asked holds it unanswered), TURN servers' errors,
 * and ICE failing when PeerJS says nothing. Each watcher reports through the host.
 */
import type { DataConnection } from 'peerjs';
import type { ErrorCode } from '../errors';
import { CONSENT_TIMEOUT_MS } from './consent';
import type { RemotePeer } from './remote-peer';

/** How long a connection may take to open before we give up, in ms. */
export const CONNECT_TIMEOUT_MS = 15_000;

/** How long a dialled peer may take to answer before we show that its user is being asked, in ms. */
export const ANSWER_WAIT_MS = 1500;

/** What the watchers need from the session. */
export interface TransportWatchHost {
  /** Relay-only mode is on (TURN candidates only). */
  relayOnly(): boolean;
  fail(entry: RemotePeer, error: ErrorCode): void;
  /** The connection's transport is gone: close it and mark the peer lost (reconnection may follow). */
  lost(entry: RemotePeer): void;
  clearConnectTimer(entry: RemotePeer): void;
  changed(): void;
}

/** The session's transport watchers; see the file comment. */
export class TransportWatch {
  constructor(private readonly host: TransportWatchHost) {}

  /**
   * Times a dialled connection: a peer whose user is asked holds our offer unanswered
   * (see `signaling-guard.ts`), so no answer within {@link ANSWER_WAIT_MS} shows as
   * waiting for them, up to {@link CONSENT_TIMEOUT_MS}; once answered, the connection
   * has {@link CONNECT_TIMEOUT_MS} to open.
   */
  awaitAnswer(entry: RemotePeer, conn: DataConnection): void {
    const pc = conn.peerConnection as RTCPeerConnection | undefined;
    const opening = (): void => {
      this.host.clearConnectTimer(entry);
      entry.connectTimer = setTimeout(() => this.host.fail(entry, this.turnFailure(entry) ?? 'connect-timeout'), CONNECT_TIMEOUT_MS);
      if (entry.view.waiting === 'their-answer') {
        entry.view = { ...entry.view };
        delete entry.view.waiting;
        this.host.changed();
      }
    };
    if (!pc || typeof pc.addEventListener !== 'function') return opening();
    entry.connectTimer = setTimeout(() => {
      if (entry.conn !== conn || pc.remoteDescription) return;
      entry.view = { ...entry.view, waiting: 'their-answer' };
      entry.connectTimer = setTimeout(() => this.host.fail(entry, 'connection-declined'), CONSENT_TIMEOUT_MS);
      this.host.changed();
    }, ANSWER_WAIT_MS);
    const onSignaling = (): void => {
      if (!pc.remoteDescription) return;
      pc.removeEventListener('signalingstatechange', onSignaling);
      if (entry.conn === conn && entry.view.state === 'connecting') opening();
    };
    pc.addEventListener('signalingstatechange', onSignaling);
  }

  /**
   * Collects TURN servers' errors while candidates are gathered, and in relay-only
   * mode fails the attempt at once when gathering ended without a single relay
   * candidate: nothing else could ever connect, so waiting for the timeout would only hide why.
   * (`icecandidateerror`: https://www.w3.org/TR/webrtc/#rtcpeerconnectioniceerrorevent; 401 is
   * STUN's Unauthorized, RFC 8489 section 14.8; 701 is the browser's "server unreachable".)
   */
  watchTurnErrors(entry: RemotePeer, conn: DataConnection): void {
    const pc = conn.peerConnection as RTCPeerConnection | undefined;
    if (!pc || typeof pc.addEventListener !== 'function') return;
    const errors = new Set<number>();
    entry.turnErrors = errors;
    let relayed = false;
    pc.addEventListener('icecandidateerror', (event) => {
      const error = event as RTCPeerConnectionIceErrorEvent;
      if (/^turns?:/.test(error.url ?? '')) errors.add(error.errorCode);
    });
    pc.addEventListener('icecandidate', (event) => {
      if ((event as RTCPeerConnectionIceEvent).candidate?.type === 'relay') relayed = true;
    });
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState !== 'complete' || relayed || !this.host.relayOnly()) return;
      if (entry.conn !== conn || entry.view.state !== 'connecting') return;
      this.host.fail(entry, this.turnFailure(entry) ?? 'turn-unreachable');
    });
  }

  /** The TURN problem behind a failed attempt, if one was seen. */
  turnFailure(entry: RemotePeer): ErrorCode | undefined {
    if (entry.turnErrors?.has(401)) return 'turn-auth-failed';
    if (this.host.relayOnly() && entry.turnErrors?.size) return 'turn-unreachable';
    return undefined;
  }

  /** Ends a connection whose ICE transport failed: PeerJS does not always fire `close` then. */
  watchIce(entry: RemotePeer, conn: DataConnection): void {
    const pc = conn.peerConnection as RTCPeerConnection | undefined;
    pc?.addEventListener('iceconnectionstatechange', () => {
      if (entry.conn !== conn) return;
      if (pc.iceConnectionState === 'failed' || pc.iceConnectionState === 'closed') {
        this.host.lost(entry);
      }
    });
  }
}

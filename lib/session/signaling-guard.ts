/**
 * A gate between the PeerServer socket and PeerJS: every signaling message is
 * validated and bounded before PeerJS sees it, and offers from strangers are held
 * here, unanswered, until our user decides. Until then nothing goes back: no
 * answer (which would carry our DTLS fingerprint), no ICE candidate (our
 * addresses). PeerJS itself keeps messages for unknown connections forever
 * (`Peer._lostMessages`); nothing reaches that store through this gate.
 *
 * It hooks `Peer._handleMessage`, the one method PeerJS 1.5 routes every server
 * message through (`socket.on('message', (data) => this._handleMessage(data))`).
 */
import type { Peer } from 'peerjs';
import { CONNECTION_ID_PATTERN, isPeerId } from '../ids';

/** Largest SDP we accept in an offer or answer, in characters (a data+audio+video offer is about 6 KB). */
export const SDP_MAX_LENGTH = 65_536;
/** Largest ICE candidate line, in characters (RFC 8839 lines are well under 300). */
export const CANDIDATE_MAX_LENGTH = 2048;
/** Largest connection metadata, in characters of JSON. */
export const METADATA_MAX_LENGTH = 2048;
/** Most offers held for our user's answer at once; more are refused with `busy`. */
export const MAX_HELD_OFFERS = 8;
/** Most ICE candidates kept for one held offer (a host with many interfaces and relays gathers about 20). */
export const MAX_HELD_CANDIDATES = 64;

/** Serializations PeerJS 1.5 knows and our decoder reads (`binary`/`default` are BinaryPack). */
const SERIALIZATIONS = new Set(['binary', 'default', 'json']);

/** A message from the PeerServer as PeerJS parses it (`{ type, src, dst, payload }`). */
export interface ServerMessage {
  type: string;
  src?: string;
  dst?: string;
  payload?: Record<string, unknown>;
}

/** What an offer asks for, once validated. */
export interface OfferInfo {
  peerId: string;
  connectionId: string;
  kind: 'data' | 'media';
  /** The SHA-256 fingerprint the offer's SDP claims (upper-case), if it names one; a claim, not a proof. */
  claimedFingerprint?: string;
  /** `metadata.app` of a data connection, when a string. */
  app?: string;
}

/** Why a refusal was sent, in the `LEAVE` payload's `sc` field (docs/protocol.md). */
export type RefusalReason = 'declined' | 'busy';

/** What the session decides for a valid offer. */
export type OfferDecision = 'pass' | 'hold' | 'drop' | RefusalReason;

/** The session's side of the gate. */
export interface SignalingPolicy {
  /** Decides what to do with a valid offer (`hold`: keep it unanswered for our user). */
  onOffer(offer: OfferInfo): OfferDecision;
  /** The peer refused our connection attempt `connectionId` (its `LEAVE` carried a reason). */
  onRefused(peerId: string, connectionId: string, reason: RefusalReason): void;
  /** Something was dropped; `detail` is safe to log. */
  onDropped(detail: string): void;
  /**
   * The peer gave up its attempt: its `LEAVE` for an offer we held, or its
   * `LEAVE { sc: 'withdrawn', connectionId }` for attempt `connectionId` (one we may have answered).
   */
  onWithdrawn?(peerId: string, connectionId?: string): void;
}

interface Held {
  offer: ServerMessage;
  info: OfferInfo;
  candidates: ServerMessage[];
}

/** The gate installed on one `Peer`. */
export interface SignalingGuard {
  /** Peer IDs whose offer waits for our user. */
  held(): string[];
  /** Hands the held offer of `peerId` (and its candidates) to PeerJS; false when none is held. */
  release(peerId: string): boolean;
  /** Forgets the held offer of `peerId` and tells the peer why, if a reason is given. */
  refuse(peerId: string, reason?: RefusalReason): void;
  /** Tells `peerId` that our attempt `connectionId` is given up (we are restarting): theirs ends at once. */
  withdraw(peerId: string, connectionId: string): void;
}

type Internals = { _handleMessage(message: unknown): void; socket?: { send(data: unknown): void } };

/** Installs the gate on `peer`; call it right after creating the `Peer`, before it registers. */
export function guardSignaling(peer: Peer, policy: SignalingPolicy): SignalingGuard {
  const inner = peer as unknown as Internals;
  const original = inner._handleMessage.bind(peer);
  const held = new Map<string, Held>();

  const refuse = (peerId: string, connectionId: string, reason: RefusalReason | 'withdrawn'): void => {
    try {
      // A LEAVE for one connection: stock PeerJS closes its connections with us; ours reads the reason.
      inner.socket?.send({ type: 'LEAVE', dst: peerId, payload: { sc: reason, connectionId } });
    } catch {
      // The socket is gone: the peer's attempt times out by itself.
    }
  };

  inner._handleMessage = (raw: unknown): void => {
    const message = raw as ServerMessage;
    if (!message || typeof message !== 'object' || typeof message.type !== 'string') return policy.onDropped('not a message');
    const relayed = message.type === 'OFFER' || message.type === 'ANSWER' || message.type === 'CANDIDATE' || message.type === 'LEAVE';
    if (!relayed) return original(message);
    if (typeof message.src !== 'string' || !isPeerId(message.src)) return policy.onDropped(`${message.type} from an invalid peer ID`);
    const src = message.src;
    const payload = message.payload;
    if (message.type === 'LEAVE') {
      const reason = payload?.sc;
      if ((reason === 'declined' || reason === 'busy') && typeof payload?.connectionId === 'string') {
        // Ours: only that attempt ends, not every connection with the peer as PeerJS would.
        held.delete(src);
        return policy.onRefused(src, payload.connectionId, reason);
      }
      if (reason === 'withdrawn' && typeof payload?.connectionId === 'string') {
        // Not handed to PeerJS, which would close every connection with the peer.
        return policy.onWithdrawn?.(src, held.delete(src) ? undefined : payload.connectionId);
      }
      if (held.delete(src)) policy.onWithdrawn?.(src);
      return original(message);
    }
    if (!payload || typeof payload !== 'object' || typeof payload.connectionId !== 'string' || !CONNECTION_ID_PATTERN.test(payload.connectionId)) {
      return policy.onDropped(`${message.type} from ${src} without a valid connection ID`);
    }
    const connectionId = payload.connectionId;
    if (message.type === 'OFFER') {
      const info = checkOffer(src, payload);
      if (typeof info === 'string') return policy.onDropped(`offer from ${src}: ${info}`);
      const decision = policy.onOffer(info);
      if (decision === 'pass') return original(message);
      if (decision === 'drop') return;
      if (decision !== 'hold') return refuse(src, connectionId, decision);
      if (!held.has(src) && held.size >= MAX_HELD_OFFERS) return refuse(src, connectionId, 'busy');
      // A newer offer from the same peer replaces its older one (it dialled again).
      held.set(src, { offer: message, info, candidates: [] });
      return;
    }
    const waiting = held.get(src);
    if (waiting && waiting.info.connectionId === connectionId) {
      if (message.type !== 'CANDIDATE' || !candidateOk(payload) || waiting.candidates.length >= MAX_HELD_CANDIDATES) {
        return policy.onDropped(`${message.type} for a held offer from ${src}`);
      }
      waiting.candidates.push(message);
      return;
    }
    if (!peer.getConnection(src, connectionId)) return policy.onDropped(`${message.type} from ${src} for no connection of ours`);
    if (message.type === 'CANDIDATE' && !candidateOk(payload)) return policy.onDropped(`bad candidate from ${src}`);
    if (message.type === 'ANSWER' && !sdpOk(payload.sdp, 'answer')) return policy.onDropped(`bad answer from ${src}`);
    original(message);
  };

  return {
    held: () => [...held.keys()],
    release: (peerId) => {
      const waiting = held.get(peerId);
      if (!waiting) return false;
      held.delete(peerId);
      original(waiting.offer);
      for (const candidate of waiting.candidates) inner._handleMessage(candidate);
      return true;
    },
    refuse: (peerId, reason) => {
      const waiting = held.get(peerId);
      held.delete(peerId);
      if (waiting && reason) refuse(peerId, waiting.info.connectionId, reason);
    },
    withdraw: (peerId, connectionId) => refuse(peerId, connectionId, 'withdrawn'),
  };
}

function sdpOk(sdp: unknown, type: 'offer' | 'answer'): sdp is { type: string; sdp: string } {
  if (!sdp || typeof sdp !== 'object') return false;
  const { type: sdpType, sdp: text } = sdp as { type?: unknown; sdp?: unknown };
  return sdpType === type && typeof text === 'string' && text.length <= SDP_MAX_LENGTH;
}

function candidateOk(payload: Record<string, unknown>): boolean {
  const candidate = payload.candidate as { candidate?: unknown } | null | undefined;
  if (!candidate || typeof candidate !== 'object') return false;
  return typeof candidate.candidate === 'string' && candidate.candidate.length <= CANDIDATE_MAX_LENGTH;
}

/** Validates an offer's payload; returns what it asks for, or why it is refused. */
export function checkOffer(peerId: string, payload: Record<string, unknown>): OfferInfo | string {
  const connectionId = payload.connectionId as string;
  const kind = payload.type;
  if (kind !== 'data' && kind !== 'media') return 'unknown connection type';
  if (!connectionId.startsWith(kind === 'data' ? 'dc_' : 'mc_')) return 'connection ID does not match its type';
  if (!sdpOk(payload.sdp, 'offer')) return 'missing or oversized SDP';
  let metadataLength = 0;
  try {
    metadataLength = JSON.stringify(payload.metadata ?? null).length;
  } catch {
    return 'unreadable metadata';
  }
  if (metadataLength > METADATA_MAX_LENGTH) return 'oversized metadata';
  if (kind === 'data') {
    if (typeof payload.serialization !== 'string' || !SERIALIZATIONS.has(payload.serialization)) return 'unknown serialization';
    if (payload.reliable !== undefined && typeof payload.reliable !== 'boolean') return 'bad reliable flag';
    if (payload.label !== undefined && (typeof payload.label !== 'string' || payload.label.length > 128)) return 'bad label';
  }
  const sdp = (payload.sdp as { sdp: string }).sdp;
  const claimed = /^a=fingerprint:sha-256 ([0-9A-Fa-f:]{95})\s*$/m.exec(sdp)?.[1];
  const metadata = payload.metadata as { app?: unknown } | null | undefined;
  return {
    peerId,
    connectionId,
    kind,
    ...(claimed ? { claimedFingerprint: claimed.toUpperCase() } : {}),
    ...(metadata && typeof metadata === 'object' && typeof metadata.app === 'string' ? { app: metadata.app.slice(0, 64) } : {}),
  };
}

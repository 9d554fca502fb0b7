/**
 * What the pages see of the peer session: the PeerServer's status, the remote
 * peers, the shares, the history and the connection figures, as valibot schemas
 * with their types. The messages that carry them are in `runtime.ts`.
 */
import * as v from 'valibot';
import { ErrorCodeSchema } from '../errors';
import { CONNECTION_ID_PATTERN, PEER_ID_MAX_LENGTH } from '../ids';
import { PRESET_NAMES, SHARE_KINDS } from '../share/presets';
import { SHARE_TITLE_MAX_LENGTH, TEXT_MAX_BYTES } from './peer';

/** A peer ID in internal messages (checked for its syntax where it matters). */
export const PeerIdField = v.pipe(v.string(), v.maxLength(PEER_ID_MAX_LENGTH));
/** Bound on text in internal messages, in UTF-16 code units (4x the byte limit covers any UTF-8). */
export const TextField = v.pipe(v.string(), v.maxLength(TEXT_MAX_BYTES * 4));

/** Where the peer host stands with the PeerServer. */
export const ServerStatusSchema = v.object({
  /**
   * `starting`: no settings yet; `connecting`: registering; `online`: registered;
   * `offline`: lost or unreachable, retrying at `retryAt`; `id-taken`: another session
   * holds our ID, retrying at `retryAt`.
   */
  status: v.picklist(['starting', 'connecting', 'online', 'offline', 'id-taken']),
  error: v.optional(ErrorCodeSchema),
  /** Next automatic attempt, in ms since the Unix epoch. */
  retryAt: v.optional(v.number()),
  /** PeerServer address shown to the user, e.g. `ws://127.0.0.1:9000/peerjs`. */
  url: v.string(),
});

/** One remote peer as the UI shows it. */
export const PeerViewSchema = v.object({
  id: PeerIdField,
  state: v.picklist(['connecting', 'connected', 'disconnected']),
  /** Display name from the peer's `hello`; empty until received. */
  name: v.pipe(v.string(), v.maxLength(64)),
  /** Who opened the connection. */
  initiator: v.picklist(['me', 'them']),
  /**
   * The PeerJS ID of the current `DataConnection` (`dc_…`), while there is one. The
   * dialler makes it and it travels in the offer, so both sides show the same one when
   * they agree on which connection they use.
   */
  connection: v.optional(v.pipe(v.string(), v.regex(CONNECTION_ID_PATTERN))),
  error: v.optional(ErrorCodeSchema),
  /** When `state` last changed, in ms since the Unix epoch. */
  since: v.number(),
  /**
   * Verification code of this connection: `pending` while the nonces are exchanged,
   * `ready` with the 6-digit `code`, `failed` (fingerprints or commitment do not
   * match: possibly a man in the middle), `unsupported` (the peer sent none).
   */
  verification: v.optional(
    v.object({
      state: v.picklist(['pending', 'ready', 'failed', 'unsupported']),
      code: v.optional(v.pipe(v.string(), v.regex(/^\d{6}$/))),
    }),
  ),
  /** While connecting: `our-answer` (they asked to connect; our user decides), `their-answer` (we wait for theirs). */
  waiting: v.optional(v.picklist(['our-answer', 'their-answer'])),
  /** The peer's SHA-256 DTLS fingerprint on this connection (upper-case hex pairs). */
  fingerprint: v.optional(v.pipe(v.string(), v.maxLength(200))),
  /**
   * Against the pinned identity of this peer ID: `verified` (same fingerprint as
   * when the user confirmed the codes), `changed` (a different one: the
   * connection is held, nothing is delivered), absent when not pinned.
   */
  identity: v.optional(v.picklist(['verified', 'changed'])),
  /**
   * While disconnected after losing a connection that worked: the next automatic
   * attempt (`retryAt`, ms since the Unix epoch) and how many were made (`attempt`).
   */
  reconnecting: v.optional(v.object({ attempt: v.number(), retryAt: v.number() })),
  /**
   * The last time a working connection was lost: when the loss was noticed (`at`) and,
   * once reconnected by itself, when it was back (`back`); ms since the Unix epoch.
   */
  lastDrop: v.optional(v.object({ at: v.number(), back: v.optional(v.number()) })),
});

/** A tab, tab-audio or microphone share, either way. */
export const ShareViewSchema = v.object({
  id: v.string(),
  peerId: PeerIdField,
  direction: v.picklist(['out', 'in']),
  kind: v.picklist(SHARE_KINDS),
  preset: v.picklist(PRESET_NAMES),
  title: v.pipe(v.string(), v.maxLength(SHARE_TITLE_MAX_LENGTH)),
  /**
   * `offering`: sent, waiting for the peer's answer; `incoming`: waiting for our
   * answer; `live`: media flows; `paused`: the connection was lost and is being
   * re-established (resumes by itself); `ended`, `declined`, `failed`: over.
   */
  state: v.picklist(['offering', 'incoming', 'live', 'paused', 'ended', 'declined', 'failed']),
  error: v.optional(ErrorCodeSchema),
  /** When `state` last changed, in ms since the Unix epoch. */
  since: v.number(),
  /** The captured tab (outgoing tab shares). */
  tabId: v.optional(v.number()),
  /** Level of the captured tab's sound played back to the sender, 0 to 1 (RMS), updated about once a second. */
  playbackLevel: v.optional(v.number()),
});

/** Snapshot of the peer session (without the message history). */
export const SessionStateSchema = v.object({
  myId: PeerIdField,
  server: ServerStatusSchema,
  peers: v.array(PeerViewSchema),
  /** Current shares and those that ended in the last minute. */
  shares: v.array(ShareViewSchema),
  /** SHA-256 fingerprint of our persistent DTLS certificate (upper-case hex pairs), when there is one. */
  fingerprint: v.optional(v.pipe(v.string(), v.maxLength(200))),
  /** The peer most recently connected, for actions that need a default target. */
  lastPeerId: v.optional(PeerIdField),
  /** Relay-only mode (`iceTransportPolicy: 'relay'`) is on. */
  relayOnly: v.optional(v.boolean()),
  /**
   * TURN credentials from the PeerServer, when the settings ask for them: `fetching`,
   * `ready` (valid until `expiresAt`, seconds since the Unix epoch), `failed` (with `error`).
   */
  turn: v.optional(
    v.object({
      status: v.picklist(['fetching', 'ready', 'failed']),
      expiresAt: v.optional(v.number()),
      error: v.optional(ErrorCodeSchema),
    }),
  ),
});

/** A text in the history. */
export const ChatMessageSchema = v.object({
  id: v.string(),
  peerId: PeerIdField,
  direction: v.picklist(['in', 'out']),
  text: TextField,
  /** Sent or received, in ms since the Unix epoch (our clock). */
  at: v.number(),
  /**
   * `queued`: waits for the peer to reconnect (sent then, in order); `sent`: on the wire, no ack yet;
   * `delivered`: acked; `failed`: not sent; `undelivered`: sent but the connection closed before an
   * ack (sent again if the peer reconnects; the peer drops repeats); `received`: incoming.
   */
  status: v.picklist(['queued', 'sent', 'delivered', 'failed', 'undelivered', 'received']),
  error: v.optional(ErrorCodeSchema),
});

export type ServerStatus = v.InferOutput<typeof ServerStatusSchema>;

/** Whether text can be sent to `peer` now: connected, or being reconnected (the text is queued). */
export function canSendText(peer: Pick<PeerView, 'state' | 'reconnecting'>): boolean {
  return peer.state === 'connected' || peer.reconnecting !== undefined;
}
export type PeerView = v.InferOutput<typeof PeerViewSchema>;
export type SessionState = v.InferOutput<typeof SessionStateSchema>;
export type ChatMessage = v.InferOutput<typeof ChatMessageSchema>;
export type ShareView = v.InferOutput<typeof ShareViewSchema>;

/** Receiver-side figures of a share from `RTCPeerConnection.getStats()` inbound-rtp (https://www.w3.org/TR/webrtc-stats/). */
export const ShareStatsSchema = v.object({
  /** `performance.now()`-based timestamp of the report, in ms. */
  timestamp: v.number(),
  video: v.optional(
    v.object({
      frameWidth: v.number(),
      frameHeight: v.number(),
      framesPerSecond: v.number(),
      framesDecoded: v.number(),
      bytesReceived: v.number(),
    }),
  ),
  audio: v.optional(v.object({ totalAudioEnergy: v.number(), bytesReceived: v.number() })),
});
export type ShareStats = v.InferOutput<typeof ShareStatsSchema>;

/**
 * One peer's connection as the connection panel shows it, from `getStats()`
 * (https://www.w3.org/TR/webrtc-stats/) of its data connection and any media connections.
 */
export const LinkStatsSchema = v.object({
  /**
   * The selected ICE candidate pair: `direct` (host candidates: peer to peer),
   * `nat` (through a NAT, addresses learned with STUN), `relay` (through a TURN server);
   * absent while no pair is selected.
   */
  route: v.optional(v.picklist(['direct', 'nat', 'relay'])),
  /** How we reach our TURN server, when relayed through it. */
  relayProtocol: v.optional(v.picklist(['udp', 'tcp', 'tls'])),
  /** Our TURN server in use, as configured (`turn:host:port?transport=udp`), when relayed through it. */
  relayUrl: v.optional(v.pipe(v.string(), v.maxLength(300))),
  /** `RTCPeerConnection.iceConnectionState` of the data connection. */
  iceState: v.picklist(['new', 'checking', 'connected', 'completed', 'disconnected', 'failed', 'closed']),
  /** Round-trip time of the selected pair (STUN consent checks), in ms. */
  rttMs: v.optional(v.number()),
  /** Send and receive bitrate since the previous reading, in bits per second. */
  sendBps: v.optional(v.number()),
  receiveBps: v.optional(v.number()),
  /** Media packets lost both ways since the connection started; absent without media. */
  packetsLost: v.optional(v.number()),
});
export type LinkStats = v.InferOutput<typeof LinkStatsSchema>;

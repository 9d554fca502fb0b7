/**
 * Messages between the extension's own contexts (popup, options, background,
 * offscreen document). Every message has exactly one owner, named by `to`;
 * events (`to: 'broadcast'`) have none and get no answer.
 */
import * as v from 'valibot';
import { ErrorCodeSchema } from '../errors';
import { PEER_ID_MAX_LENGTH } from '../ids';
import { SessionSettingsSchema } from '../settings';
import { PRESET_NAMES, SHARE_KINDS } from '../share/presets';
import { SHARE_TITLE_MAX_LENGTH, TEXT_MAX_BYTES } from './peer';

/** Marks our messages among whatever else travels on `runtime.sendMessage`. */
export const CHANNEL = 'secureconnect/v1';

const PeerIdField = v.pipe(v.string(), v.maxLength(PEER_ID_MAX_LENGTH));
/** Bound on text in internal messages, in UTF-16 code units (4x the byte limit covers any UTF-8). */
const TextField = v.pipe(v.string(), v.maxLength(TEXT_MAX_BYTES * 4));

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

const Ok = v.object({ ok: v.literal(true) });
const Failed = v.object({ ok: v.literal(false), error: ErrorCodeSchema });

/** Commands the peer host (offscreen document) owns. */
export const SessionCommandSchema = v.variant('type', [
  v.object({
    type: v.literal('session/get-state'),
    /** `false`: leave the history out (a periodic resync; the history can be 31 MiB of JSON). Default `true`. */
    messages: v.optional(v.boolean()),
  }),
  v.object({ type: v.literal('session/connect'), peerId: v.pipe(v.string(), v.maxLength(256)) }),
  v.object({ type: v.literal('session/disconnect'), peerId: PeerIdField }),
  v.object({ type: v.literal('session/forget'), peerId: PeerIdField }),
  v.object({
    type: v.literal('session/send-text'),
    peerId: PeerIdField,
    text: TextField,
    /** Record a failed send in the history (used where no text box keeps the text, e.g. the context menu). */
    keepOnFailure: v.optional(v.boolean()),
  }),
  v.object({ type: v.literal('session/retry-now') }),
  /** Our user's answer to an incoming connection from an untrusted peer. */
  v.object({ type: v.literal('session/answer-connection'), peerId: PeerIdField, accept: v.boolean() }),
  v.object({
    type: v.literal('session/share-start'),
    peerId: PeerIdField,
    kind: v.picklist(SHARE_KINDS),
    preset: v.picklist(PRESET_NAMES),
    /** From `tabCapture.getMediaStreamId` (tab kinds only). */
    streamId: v.optional(v.pipe(v.string(), v.maxLength(512))),
    tabId: v.optional(v.number()),
    /** The tab's size in CSS pixels. */
    tabWidth: v.optional(v.number()),
    tabHeight: v.optional(v.number()),
    title: v.pipe(v.string(), v.maxLength(SHARE_TITLE_MAX_LENGTH)),
  }),
  v.object({ type: v.literal('session/share-stop'), shareId: v.pipe(v.string(), v.maxLength(64)) }),
  /** Stops the outgoing share of a tab, e.g. because the tab closed. */
  v.object({ type: v.literal('session/share-tab-closed'), tabId: v.number() }),
  v.object({ type: v.literal('session/share-answer'), shareId: v.pipe(v.string(), v.maxLength(64)), accept: v.boolean() }),
  v.object({ type: v.literal('session/share-stats'), shareId: v.pipe(v.string(), v.maxLength(64)) }),
  v.object({ type: v.literal('session/configure'), settings: SessionSettingsSchema }),
  /** Connection panel figures for one peer; asked about once a second while the panel is visible. */
  v.object({ type: v.literal('session/link-stats'), peerId: PeerIdField }),
]);

/** Answer schemas, by command type. */
export const SessionReplySchemas = {
  'session/get-state': v.union([
    v.object({
      ok: v.literal(true),
      state: SessionStateSchema,
      /** The history, oldest first; absent when the command said `messages: false`. */
      messages: v.optional(v.array(ChatMessageSchema)),
      /** How many messages the history holds, so that a page can tell it missed some. */
      messageCount: v.number(),
    }),
    Failed,
  ]),
  'session/connect': v.union([Ok, Failed]),
  'session/disconnect': v.union([Ok, Failed]),
  'session/forget': v.union([Ok, Failed]),
  'session/send-text': v.union([v.object({ ok: v.literal(true), messageId: v.string() }), Failed]),
  'session/retry-now': v.union([Ok, Failed]),
  'session/answer-connection': v.union([Ok, Failed]),
  'session/configure': v.union([Ok, Failed]),
  'session/share-start': v.union([v.object({ ok: v.literal(true), shareId: v.string() }), Failed]),
  'session/share-stop': v.union([Ok, Failed]),
  'session/share-tab-closed': v.union([Ok, Failed]),
  'session/share-answer': v.union([Ok, Failed]),
  'session/share-stats': v.union([v.object({ ok: v.literal(true), stats: ShareStatsSchema }), Failed]),
  'session/link-stats': v.union([v.object({ ok: v.literal(true), stats: LinkStatsSchema }), Failed]),
} satisfies Record<SessionCommand['type'], v.GenericSchema>;

/** Requests the background service worker owns. */
export const BackgroundRequestSchema = v.variant('type', [
  /** From the offscreen document when it starts: the settings to run with. */
  v.object({ type: v.literal('background/get-settings') }),
  /** From a page: make sure the offscreen document runs, then pass `command` to it. */
  v.object({ type: v.literal('background/relay'), command: SessionCommandSchema }),
  /** From the popup: capture a tab (or the microphone) and share it with `peerId`. */
  v.object({
    type: v.literal('background/share'),
    peerId: PeerIdField,
    kind: v.picklist(SHARE_KINDS),
    preset: v.picklist(PRESET_NAMES),
    /** The tab to capture (tab kinds). */
    tabId: v.optional(v.number()),
  }),
  /** From the popup: accept an incoming share and open the viewer. */
  v.object({ type: v.literal('background/accept-share'), shareId: v.pipe(v.string(), v.maxLength(64)) }),
]);

/** Most history changes one `event/messages` carries. */
export const BATCH_CHANGES_MAX = 100;

/** Events the peer host broadcasts; nobody answers them. */
export const SessionEventSchema = v.variant('type', [
  v.object({ type: v.literal('event/state'), state: SessionStateSchema }),
  /**
   * History changes, oldest first, in batches (see `lib/session/message-batcher.ts`): a
   * message that joined the history (`added`), or a message's new status (`status`, without
   * its text, which can be 64 KiB and reaches every context). `historyLength`: the history's
   * length after them (oldest dropped beyond the limit), so a page can tell at once that it
   * missed a change.
   */
  v.object({
    type: v.literal('event/messages'),
    changes: v.pipe(
      v.array(
        v.variant('kind', [
          v.object({ kind: v.literal('added'), message: ChatMessageSchema }),
          v.object({
            kind: v.literal('status'),
            id: ChatMessageSchema.entries.id,
            status: ChatMessageSchema.entries.status,
            error: v.optional(ErrorCodeSchema),
          }),
        ]),
      ),
      v.minLength(1),
      v.maxLength(BATCH_CHANGES_MAX),
    ),
    historyLength: v.number(),
  }),
  /** An untrusted peer wants to connect: ask the user. */
  v.object({ type: v.literal('event/connection-request'), peerId: PeerIdField }),
  /** A peer offers a share: ask the user. */
  v.object({ type: v.literal('event/share-offer'), share: ShareViewSchema }),
]);

export type SessionCommand = v.InferOutput<typeof SessionCommandSchema>;
export type SessionReply<T extends SessionCommand['type']> = v.InferOutput<(typeof SessionReplySchemas)[T]>;
export type BackgroundRequest = v.InferOutput<typeof BackgroundRequestSchema>;
export type SessionEvent = v.InferOutput<typeof SessionEventSchema>;

/** Answer schemas of background requests, by type. */
export const BackgroundReplySchemas = {
  'background/get-settings': v.union([v.object({ ok: v.literal(true), settings: SessionSettingsSchema }), Failed]),
  // The relay answers with the relayed command's reply: checked against SessionReplySchemas.
  'background/relay': v.unknown(),
  'background/share': v.union([v.object({ ok: v.literal(true), shareId: v.string() }), Failed]),
  'background/accept-share': v.union([Ok, Failed]),
} satisfies Record<BackgroundRequest['type'], v.GenericSchema>;

/** Envelope of every internal message. */
export const EnvelopeSchema = v.variant('to', [
  v.object({ channel: v.literal(CHANNEL), to: v.literal('offscreen'), body: SessionCommandSchema }),
  v.object({ channel: v.literal(CHANNEL), to: v.literal('background'), body: BackgroundRequestSchema }),
  v.object({ channel: v.literal(CHANNEL), to: v.literal('broadcast'), body: SessionEventSchema }),
]);

export type Envelope = v.InferOutput<typeof EnvelopeSchema>;
export type Destination = Envelope['to'];

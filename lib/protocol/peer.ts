/**
 * The peer protocol: messages exchanged between two users over a PeerJS
 * `DataConnection`. `docs/protocol.md` is the normative description; keep the two in step.
 */
import * as v from 'valibot';
import { DISPLAY_NAME_MAX_LENGTH } from '../settings';
import { PRESET_NAMES, SHARE_KINDS } from '../share/presets';

/** Protocol version carried in every message (`v`). A peer rejects other versions. */
export const PROTOCOL_VERSION = 1;

/** Application tag in the `DataConnection` metadata and in `hello`. */
export const APP_TAG = 'secureconnect';

/** Largest text we send or accept, in bytes of UTF-8 (64 KiB). */
export const TEXT_MAX_BYTES = 65_536;

/** Longest message ID, in characters. */
export const MESSAGE_ID_MAX_LENGTH = 64;

/**
 * Options every `peer.connect()` uses. `binary` is PeerJS's default serialization
 * (BinaryPack, chunked at 16,300 bytes); `json` refuses anything over 16,300 bytes,
 * which is less than our text limit.
 */
export const DATA_CONNECTION_OPTIONS = {
  serialization: 'binary',
  reliable: true,
  metadata: { app: APP_TAG, protocol: PROTOCOL_VERSION },
} as const;

const encoder = new TextEncoder();

/** Size of `text` in bytes of UTF-8. */
export function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}

const MessageId = v.pipe(
  v.string('id-type'),
  v.minLength(1, 'id-empty'),
  v.maxLength(MESSAGE_ID_MAX_LENGTH, 'id-long'),
  v.regex(/^[A-Za-z0-9_-]+$/, 'id-invalid'),
);
const Version = v.literal(PROTOCOL_VERSION, 'version');

/** `hello`: sent by both sides when a connection opens. */
export const HelloSchema = v.strictObject(
  {
    v: Version,
    type: v.literal('hello'),
    /** Name of the sending program, e.g. `secureconnect`. */
    app: v.pipe(v.string('app-type'), v.maxLength(64, 'app-long')),
    /** Display name chosen by the user; may be empty. */
    name: v.pipe(v.string('name-type'), v.maxLength(DISPLAY_NAME_MAX_LENGTH, 'name-long')),
  },
  'bad-fields',
);

/** `text`: a piece of text for the user. */
export const TextSchema = v.strictObject(
  {
    v: Version,
    type: v.literal('text'),
    id: MessageId,
    text: v.pipe(
      v.string('text-type'),
      v.minLength(1, 'text-empty'),
      // Cheap bound first: a UTF-16 code unit is at least one UTF-8 byte.
      v.maxLength(TEXT_MAX_BYTES, 'text-long'),
      v.check((text) => utf8Length(text) <= TEXT_MAX_BYTES, 'text-long'),
    ),
    /** When the sender sent it, in ms since the Unix epoch (sender's clock). */
    sentAt: v.pipe(v.number('sent-at-type'), v.integer('sent-at-type'), v.minValue(0, 'sent-at-type')),
  },
  'bad-fields',
);

/** `ack`: the receiver got the `text` with this `id`. */
export const AckSchema = v.strictObject(
  {
    v: Version,
    type: v.literal('ack'),
    id: MessageId,
  },
  'bad-fields',
);

/** Longest share ID, in characters. */
const ShareId = MessageId;

/** `share-accept`: the receiver accepted the share and answered its `MediaConnection`. */
export const ShareAcceptSchema = v.strictObject({ v: Version, type: v.literal('share-accept'), shareId: ShareId }, 'bad-fields');
/** `share-decline`: the receiver declined the share; the sender stops capturing. */
export const ShareDeclineSchema = v.strictObject({ v: Version, type: v.literal('share-decline'), shareId: ShareId }, 'bad-fields');
/** `share-end`: either side ended the share (stopped, viewer closed, tab closed). */
export const ShareEndSchema = v.strictObject({ v: Version, type: v.literal('share-end'), shareId: ShareId }, 'bad-fields');

const Hex256 = v.pipe(v.string('hex-type'), v.regex(/^[0-9a-f]{64}$/, 'hex-invalid'));

/** `sas-commit`: SHA-256 commitment to the sender's verification nonce (see docs/security.md). */
export const SasCommitSchema = v.strictObject({ v: Version, type: v.literal('sas-commit'), hash: Hex256 }, 'bad-fields');
/** `sas-reveal`: the sender's 32-byte verification nonce, sent only after the peer's `sas-commit`. */
export const SasRevealSchema = v.strictObject({ v: Version, type: v.literal('sas-reveal'), nonce: Hex256 }, 'bad-fields');

/** `ping`: a heartbeat, sent every {@link HEARTBEAT_INTERVAL_MS} by peers that watch liveness. */
export const PingSchema = v.strictObject({ v: Version, type: v.literal('ping') }, 'bad-fields');

/**
 * `bye`: the sender's user closed the connection on purpose; the receiver must not
 * reconnect on its own (it does after a loss).
 */
export const ByeSchema = v.strictObject({ v: Version, type: v.literal('bye') }, 'bad-fields');

/** How often a peer sends `ping`, in ms. */
export const HEARTBEAT_INTERVAL_MS = 2000;

/** Silence after which a peer that has sent `ping` is taken as gone, in ms (three missed pings). */
export const HEARTBEAT_TIMEOUT_MS = 6000;

/** Every message of the peer protocol. */
export const PeerMessageSchema = v.variant(
  'type',
  [HelloSchema, TextSchema, AckSchema, ShareAcceptSchema, ShareDeclineSchema, ShareEndSchema, SasCommitSchema, SasRevealSchema, PingSchema, ByeSchema],
  'unknown-type',
);

/** Longest tab title carried in share metadata, in characters. */
export const SHARE_TITLE_MAX_LENGTH = 300;

/** `MediaConnection` metadata of a share (`peer.call(id, stream, { metadata })`). */
export const ShareMetadataSchema = v.object({
  app: v.literal(APP_TAG),
  protocol: Version,
  shareId: ShareId,
  kind: v.picklist(SHARE_KINDS, 'kind'),
  preset: v.picklist(PRESET_NAMES, 'preset'),
  /** Title of the shared tab; empty for the microphone. Shown as text only. */
  title: v.pipe(v.string(), v.maxLength(SHARE_TITLE_MAX_LENGTH, 'title-long')),
});
export type ShareMetadata = v.InferOutput<typeof ShareMetadataSchema>;

/** Validates a `MediaConnection`'s metadata; never throws. */
export function decodeShareMetadata(data: unknown): DecodeResult<ShareMetadata> {
  try {
    const result = v.safeParse(ShareMetadataSchema, data);
    if (result.success) return { ok: true, message: result.output };
    return { ok: false, reason: result.issues[0].message };
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
}

export type HelloMessage = v.InferOutput<typeof HelloSchema>;
export type TextMessage = v.InferOutput<typeof TextSchema>;
export type AckMessage = v.InferOutput<typeof AckSchema>;
export type PeerMessage = v.InferOutput<typeof PeerMessageSchema>;
export type ShareSignal = v.InferOutput<typeof ShareAcceptSchema | typeof ShareDeclineSchema | typeof ShareEndSchema>;

/** Result of {@link decodePeerMessage}: the message, or why it was rejected (a short code). */
export type DecodeResult<T> = { ok: true; message: T } | { ok: false; reason: string };

/**
 * Validates whatever PeerJS delivered on a `DataConnection`.
 * Never throws: anything that is not a valid message of this version is rejected with a reason.
 */
export function decodePeerMessage(data: unknown): DecodeResult<PeerMessage> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, reason: 'not-object' };
  try {
    const result = v.safeParse(PeerMessageSchema, data);
    if (result.success) return { ok: true, message: result.output };
    const issue = result.issues[0];
    const where = issue.path?.map((item) => String(item.key)).join('.');
    return { ok: false, reason: where ? `${where}: ${issue.message}` : issue.message };
  } catch {
    // Getters or proxies on hostile input can throw; nothing from a peer may escape.
    return { ok: false, reason: 'unreadable' };
  }
}

/** Builds a `hello`. */
export function hello(name: string): HelloMessage {
  return { v: PROTOCOL_VERSION, type: 'hello', app: APP_TAG, name };
}

/** Builds a `text`; `sentAt` in ms since the Unix epoch. */
export function textMessage(id: string, text: string, sentAt: number): TextMessage {
  return { v: PROTOCOL_VERSION, type: 'text', id, text, sentAt };
}

/** Builds a `share-accept`, `share-decline` or `share-end`. */
export function shareSignal(type: ShareSignal['type'], shareId: string): ShareSignal {
  return { v: PROTOCOL_VERSION, type, shareId };
}

/** Builds a `bye`. */
export function bye(): v.InferOutput<typeof ByeSchema> {
  return { v: PROTOCOL_VERSION, type: 'bye' };
}

/** Builds a `ping`. */
export function ping(): v.InferOutput<typeof PingSchema> {
  return { v: PROTOCOL_VERSION, type: 'ping' };
}

/** Builds an `ack` for the `text` with `id`. */
export function ack(id: string): AckMessage {
  return { v: PROTOCOL_VERSION, type: 'ack', id };
}

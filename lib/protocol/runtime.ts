/**
 * Messages between the extension's own contexts (popup, options, background,
 * offscreen document). Every message has exactly one owner, named by `to`;
 * events (`to: 'broadcast'`) have none and get no answer.
 */
import * as v from 'valibot';
import { ErrorCodeSchema } from '../errors';
import { SessionSettingsSchema } from '../settings';
import { PRESET_NAMES, SHARE_KINDS } from '../share/presets';
import { SHARE_TITLE_MAX_LENGTH } from './peer';
import { ChatMessageSchema, LinkStatsSchema, PeerIdField, SessionStateSchema, ShareStatsSchema, ShareViewSchema, TextField } from './session-views';

export * from './session-views';

/** Marks our messages among whatever else travels on `runtime.sendMessage`. */
export const CHANNEL = 'secureconnect/v1';

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
  /** From a page whose line to the peer host did not open: make sure the host runs. */
  v.object({ type: v.literal('background/ensure-host') }),
  /**
   * From the peer host: our user accepted `peerId`, which connected with the certificate
   * `fingerprint`; without one, that acceptance ended (a `bye`, forgotten, cut off).
   */
  v.object({ type: v.literal('background/accepted'), peerId: PeerIdField, fingerprint: v.optional(v.pipe(v.string(), v.maxLength(128))) }),
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

/** A message joined the history. */
export const AddedChangeSchema = v.object({ kind: v.literal('added'), message: ChatMessageSchema });
/** A message's new status, without its text (which can be 64 KiB). */
export const StatusChangeSchema = v.object({
  kind: v.literal('status'),
  id: ChatMessageSchema.entries.id,
  status: ChatMessageSchema.entries.status,
  error: v.optional(ErrorCodeSchema),
});

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
    changes: v.pipe(v.array(v.variant('kind', [AddedChangeSchema, StatusChangeSchema])), v.minLength(1), v.maxLength(BATCH_CHANGES_MAX)),
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
  'background/ensure-host': v.union([Ok, Failed]),
  'background/accepted': v.union([Ok, Failed]),
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

/**
 * The line between a page (popup, options, viewer) and the peer host: one
 * long-lived `runtime.connect` port a page, for its commands and the host's
 * events (MDN: runtime.connect, runtime.Port). Messages on a port arrive in
 * order and only at the two ends, so the host talks to each page alone: no
 * broadcast to every context, and a page that never shows the history never
 * gets it. See docs/architecture.md, "Pages and the peer host".
 */
import * as v from 'valibot';
import {
  AddedChangeSchema,
  BATCH_CHANGES_MAX,
  ChatMessageSchema,
  PeerIdField,
  SessionCommandSchema,
  SessionStateSchema,
  ShareViewSchema,
  StatusChangeSchema,
} from './runtime';

/** The name a page's port has; the host accepts no other. */
export const HOST_PORT_NAME = 'secureconnect/v1/host';

/** Numbers a page gives its commands so that replies find them; unique per port. */
const CommandId = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));

/** A message without its text: what the page that sent the text gets back, since it has the text. */
export const OwnMessageSchema = v.omit(ChatMessageSchema, ['text']);

/** What a page sends on its port. */
export const PageToHostSchema = v.variant('type', [
  /** First on every port: what the page shows. `history: false` (options, viewer): no history events. */
  v.object({ type: v.literal('line/hello'), history: v.boolean() }),
  v.object({ type: v.literal('line/command'), id: CommandId, command: SessionCommandSchema }),
]);

/** One history change as a page's port carries it. */
export const LineChangeSchema = v.variant('kind', [
  AddedChangeSchema,
  StatusChangeSchema,
  /** A text this page sent (`command`: the id of its send-text command): everything but the text. */
  v.object({ kind: v.literal('own'), command: CommandId, message: OwnMessageSchema }),
]);

/** What the host sends on a page's port. */
export const HostToPageSchema = v.variant('type', [
  /** The host took the hello: commands are answered from now on. */
  v.object({ type: v.literal('line/ready') }),
  /** The reply to command `id`; the page checks it against the command's reply schema. */
  v.object({ type: v.literal('line/reply'), id: CommandId, reply: v.unknown() }),
  v.object({ type: v.literal('line/state'), state: SessionStateSchema }),
  v.object({
    type: v.literal('line/messages'),
    changes: v.pipe(v.array(LineChangeSchema), v.minLength(1), v.maxLength(BATCH_CHANGES_MAX)),
    /** The history's length after these changes: a page with another length missed some. */
    historyLength: v.number(),
  }),
  v.object({ type: v.literal('line/connection-request'), peerId: PeerIdField }),
  v.object({ type: v.literal('line/share-offer'), share: ShareViewSchema }),
]);

export type PageToHost = v.InferOutput<typeof PageToHostSchema>;
export type HostToPage = v.InferOutput<typeof HostToPageSchema>;
export type LineChange = v.InferOutput<typeof LineChangeSchema>;
export type OwnMessage = v.InferOutput<typeof OwnMessageSchema>;

/**
 * Typed, validated messaging between the extension's contexts over
 * `runtime.sendMessage` / `runtime.onMessage` (MDN: runtime.sendMessage).
 *
 * Each envelope names its owner (`to`); a context answers only the envelopes
 * addressed to it and returns `undefined` for the rest, so it never swallows a
 * reply meant for another listener. Messages whose `sender.id` is not our own
 * extension are ignored.
 */
import * as v from 'valibot';
import type { ErrorCode } from './errors';
import {
  BackgroundReplySchemas,
  CHANNEL,
  EnvelopeSchema,
  SessionEventSchema,
  SessionReplySchemas,
  type BackgroundRequest,
  type Destination,
  type Envelope,
  type SessionCommand,
  type SessionEvent,
  type SessionReply,
} from './protocol/runtime';

/** The part of `browser.runtime` (webextension-polyfill) that messaging uses. */
export interface RuntimeLike {
  readonly id: string;
  sendMessage(message: unknown): Promise<unknown>;
  onMessage: {
    addListener(listener: RuntimeListener): void;
    removeListener(listener: RuntimeListener): void;
  };
}

/** A polyfill-style listener: a promise answers, `undefined` means "not mine". */
export type RuntimeListener = (message: unknown, sender: { id?: string }) => Promise<unknown> | undefined;

type Body<TTo extends Destination> = Extract<Envelope, { to: TTo }>['body'];

/**
 * Validates a raw runtime message.
 * @returns the envelope, or `undefined` when it is not a valid message of ours. Never throws.
 */
export function decodeEnvelope(raw: unknown): { ok: true; envelope: Envelope } | { ok: false; reason: string } {
  try {
    const result = v.safeParse(EnvelopeSchema, raw);
    if (result.success) return { ok: true, envelope: result.output };
    const issue = result.issues[0];
    const where = issue.path?.map((item) => String(item.key)).join('.');
    return { ok: false, reason: where ? `${where}: ${issue.message}` : issue.message };
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
}

function isFromUs(runtime: RuntimeLike, sender: { id?: string }): boolean {
  return sender.id === runtime.id;
}

/**
 * Answers the envelopes addressed to `to`. Invalid envelopes of our channel are
 * logged and ignored; a handler that throws is answered with `{ ok: false, error: 'internal' }`.
 *
 * @returns a function that removes the listener.
 */
export function serve<TTo extends 'offscreen' | 'background'>(
  runtime: RuntimeLike,
  to: TTo,
  handler: (body: Body<TTo>) => Promise<unknown>,
): () => void {
  const listener: RuntimeListener = (raw, sender) => {
    if (!isFromUs(runtime, sender)) return undefined;
    if (typeof raw !== 'object' || raw === null || (raw as { to?: unknown }).to !== to) return undefined;
    const decoded = decodeEnvelope(raw);
    if (!decoded.ok) {
      console.warn(`[secureconnect] dropped invalid message to ${to}: ${decoded.reason}`);
      return Promise.resolve({ ok: false, error: 'internal' satisfies ErrorCode });
    }
    return handler(decoded.envelope.body as Body<TTo>).catch((error: unknown) => {
      console.error(`[secureconnect] handler for ${decoded.envelope.body.type} failed`, error);
      return { ok: false, error: 'internal' satisfies ErrorCode };
    });
  };
  runtime.onMessage.addListener(listener);
  return () => runtime.onMessage.removeListener(listener);
}

/** Calls `listener` for every valid session event. @returns a function that stops listening. */
export function onSessionEvent(runtime: RuntimeLike, listener: (event: SessionEvent) => void): () => void {
  const raw: RuntimeListener = (message, sender) => {
    if (!isFromUs(runtime, sender)) return undefined;
    if (typeof message !== 'object' || message === null || (message as { to?: unknown }).to !== 'broadcast') return undefined;
    const decoded = decodeEnvelope(message);
    if (decoded.ok && decoded.envelope.to === 'broadcast') listener(decoded.envelope.body);
    return undefined;
  };
  runtime.onMessage.addListener(raw);
  return () => runtime.onMessage.removeListener(raw);
}

/** Sends a session event to every context; nobody listening is not an error. */
export async function broadcast(runtime: RuntimeLike, event: SessionEvent): Promise<void> {
  const checked = v.parse(SessionEventSchema, event);
  try {
    await runtime.sendMessage({ channel: CHANNEL, to: 'broadcast', body: checked } satisfies Envelope);
  } catch {
    // "Receiving end does not exist": no page open and the worker asleep. Expected.
  }
}

async function request<TSchema extends v.GenericSchema>(
  runtime: RuntimeLike,
  envelope: Envelope,
  replySchema: TSchema,
): Promise<v.InferOutput<TSchema> | { ok: false; error: ErrorCode }> {
  let reply: unknown;
  try {
    reply = await runtime.sendMessage(envelope);
  } catch (error) {
    console.warn(`[secureconnect] ${envelope.body.type} to ${envelope.to} got no answer`, error);
    return { ok: false, error: 'unavailable' };
  }
  const result = v.safeParse(replySchema, reply);
  if (result.success) return result.output;
  console.warn(`[secureconnect] invalid reply to ${envelope.body.type}`, result.issues[0]?.message);
  return { ok: false, error: 'unavailable' };
}

/** From the background: sends a command to the offscreen document and checks its reply. */
export function commandOffscreen<C extends SessionCommand>(
  runtime: RuntimeLike,
  command: C,
): Promise<SessionReply<C['type']>> {
  const schema = SessionReplySchemas[command.type] as v.GenericSchema<unknown, SessionReply<C['type']>>;
  return request(runtime, { channel: CHANNEL, to: 'offscreen', body: command }, schema) as Promise<SessionReply<C['type']>>;
}

/** From any context but the background: asks the background for something it owns. */
export function requestBackground<R extends BackgroundRequest>(
  runtime: RuntimeLike,
  body: R,
): Promise<v.InferOutput<(typeof BackgroundReplySchemas)[R['type']]>> {
  return request(runtime, { channel: CHANNEL, to: 'background', body }, BackgroundReplySchemas[body.type]);
}

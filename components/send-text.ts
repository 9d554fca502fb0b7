/** The popup's Send: what is in the text box goes, and the box empties only if nothing new was typed meanwhile. */
import type { ErrorCode } from '@/lib/errors';

/** A reply of the peer host to a command. */
export type SendReply = { ok: true } | { ok: false; error: ErrorCode };

/**
 * Sends the box's text with `send`. On success the box is emptied, unless the user typed
 * while the command was on its way (a busy peer host can take seconds): then what they
 * typed stays. On failure the box keeps the text, so nothing typed is lost.
 */
export async function sendFromBox(box: { value: string }, send: (text: string) => Promise<SendReply>): Promise<SendReply> {
  const sent = box.value;
  const reply = await send(sent);
  if (reply.ok && box.value === sent) box.value = '';
  return reply;
}

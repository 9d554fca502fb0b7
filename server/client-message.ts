/**
 * What a PeerJS client may send to the PeerServer, checked before `peer` (or
 * the cluster relay) sees it: a text frame holding a JSON object, `HEARTBEAT` or
 * a relayed type with a valid destination ID, nested at most 16 levels.
 */
import type { RawData } from 'ws';
import { isPeerId } from '../lib/ids';
import { logText } from './log-text';

/** Types a PeerJS client sends; it never sends EXPIRE (server-made) and the server relays the rest. */
export const RELAYED_TYPES = new Set(['OFFER', 'ANSWER', 'CANDIDATE', 'LEAVE']);
/** Deeper JSON is refused: PeerJS payloads are 3 levels deep, and `peer` re-serialises recursively. */
const MAX_JSON_DEPTH = 16;

/** A client message that passed the checks. `src` is never taken from the client. */
export type ClientMessage = { type: 'HEARTBEAT' } | RelayedMessage;
/** A message the server passes on to `dst`. */
export interface RelayedMessage {
  type: 'OFFER' | 'ANSWER' | 'CANDIDATE' | 'LEAVE';
  dst: string;
  payload: unknown;
}

/** Bytes in a message, whether ws gives one buffer or fragments. */
export const byteLength = (data: RawData): number => (Array.isArray(data) ? data.reduce((sum, part) => sum + part.length, 0) : data.byteLength);

function asText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString('utf8');
}

/** True when `value` nests arrays or objects deeper than `limit` (iterative: no stack to overflow). */
function tooDeep(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The message, or why it must be dropped. */
export function checkClientMessage(data: RawData, isBinary: boolean): { message: ClientMessage } | { problem: string } {
  if (isBinary) return { problem: 'binary frame' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(asText(data));
  } catch {
    return { problem: 'not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { problem: 'not a JSON object' };
  const fields = parsed as Record<string, unknown>;
  const type = Object.hasOwn(fields, 'type') ? fields.type : undefined;
  if (type === 'HEARTBEAT') return { message: { type } };
  if (typeof type !== 'string' || !RELAYED_TYPES.has(type)) return { problem: `unknown type "${logText(type, 20)}"` };
  const dst = Object.hasOwn(fields, 'dst') ? fields.dst : undefined;
  if (typeof dst !== 'string' || !isPeerId(dst)) return { problem: `${type} without a valid destination` };
  if (tooDeep(parsed, MAX_JSON_DEPTH)) return { problem: `${type} nested too deeply` };
  return { message: { type: type as RelayedMessage['type'], dst, payload: Object.hasOwn(fields, 'payload') ? fields.payload : undefined } };
}

/**
 * Why a client message must be dropped, or `undefined` when `peer` may have it
 * (see {@link checkClientMessage}).
 */
export function clientMessageProblem(data: RawData, isBinary: boolean): string | undefined {
  const checked = checkClientMessage(data, isBinary);
  return 'problem' in checked ? checked.problem : undefined;
}

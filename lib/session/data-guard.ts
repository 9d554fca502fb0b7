/**
 * Bounds what a peer can make PeerJS hold or decode on one `DataConnection`.
 * PeerJS 1.5's BinaryPack connection decodes every frame before we see it, and
 * keeps the chunks of unfinished messages without limit (`_chunkedData`); both
 * are hooked here on the instance (`_handleDataMessage`, `_handleChunk`), which
 * PeerJS calls through `this`.
 */
import type { DataConnection } from 'peerjs';
import { TEXT_MAX_BYTES } from '../protocol/peer';
import { TokenBucket, type RateLimit } from './rate-limit';

/** PeerJS's chunk payload size, in bytes (`Chunker.chunkedMTU`, 16,300). */
const CHUNK_BYTES = 16_300;
/** Most chunks one message may have: our largest message (a 64 KiB text and framing) needs 5. */
export const CHUNKS_PER_MESSAGE_MAX = Math.ceil((TEXT_MAX_BYTES + 4096) / CHUNK_BYTES) + 1;
/** Most unfinished chunked messages kept at once; the oldest is dropped first. */
export const PARTIAL_MESSAGES_MAX = 4;
/** Frames a peer may send before decoding, per second and in bursts (a chunk is a frame). */
export const FRAME_LIMIT: RateLimit = { burst: 400, perSecond: 200 };
/**
 * Frames over {@link FRAME_LIMIT} within {@link FLOOD_WINDOW_MS} that make a flood: the
 * connection is then closed. Dropping still costs an event per frame on the thread every
 * extension page shares, so a peer that keeps flooding is cut off rather than endured.
 */
export const FLOOD_FRAMES = 2000;
/** The window {@link FLOOD_FRAMES} are counted in, in ms. */
export const FLOOD_WINDOW_MS = 10_000;

interface Chunk {
  __peerData: unknown;
  n: unknown;
  total: unknown;
  data: unknown;
}

/** Frames each guarded connection received, before any limit (for failure reports). */
const frameCounters = new WeakMap<DataConnection, () => number>();

/** Frames `conn` received since {@link guardDataConnection}, dropped ones included. */
export function framesReceived(conn: DataConnection): number {
  return frameCounters.get(conn)?.() ?? 0;
}

type Internals = {
  _handleDataMessage?: (event: { data: unknown }) => void;
  _handleChunk?: (chunk: Chunk) => void;
  _chunkedData?: Record<string, unknown>;
};

/**
 * Installs the bounds on `conn`.
 * @param now current time in ms.
 * @param onDropped called with a reason safe to log, at most once per 100 drops.
 * @param onFlood called once when {@link FLOOD_FRAMES} frames over the limit came within
 *   {@link FLOOD_WINDOW_MS}; every frame after it is dropped unread (the caller closes `conn`).
 */
export function guardDataConnection(conn: DataConnection, now: () => number, onDropped: (reason: string) => void, onFlood: () => void = () => {}): void {
  const inner = conn as unknown as Internals;
  let drops = 0;
  const drop = (reason: string): void => {
    if (drops++ % 100 === 0) onDropped(reason);
  };
  const frames = new TokenBucket(FRAME_LIMIT, now());
  let flooded = false;
  let windowStart = now();
  let overLimit = 0;
  const tooMany = (): void => {
    const at = now();
    if (at - windowStart > FLOOD_WINDOW_MS) {
      windowStart = at;
      overLimit = 0;
    }
    if (++overLimit < FLOOD_FRAMES) return drop('over the frame rate limit');
    flooded = true;
    onFlood();
  };
  const handleData = inner._handleDataMessage?.bind(conn);
  if (handleData) {
    // A closure counter: the hot path pays one increment, not a WeakMap lookup per frame.
    let framesIn = 0;
    frameCounters.set(conn, () => framesIn);
    inner._handleDataMessage = (event) => {
      framesIn++;
      if (flooded) return;
      // Before BinaryPack runs: a flood costs one comparison per frame.
      if (!frames.take(now())) return tooMany();
      const size = event.data instanceof ArrayBuffer ? event.data.byteLength : typeof event.data === 'string' ? event.data.length : 0;
      if (size > CHUNK_BYTES + TEXT_MAX_BYTES) return drop('oversized frame');
      handleData(event);
    };
  }
  const handleChunk = inner._handleChunk?.bind(conn);
  if (!handleChunk) return;
  // Own record (a Map): chunk IDs come from the peer.
  const partial = new Map<unknown, number>();
  inner._handleChunk = (chunk) => {
    const { total, n, data, __peerData: id } = chunk;
    const bytes = data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data.byteLength : -1;
    if (typeof id !== 'number' || !Number.isInteger(total) || !Number.isInteger(n)) return drop('malformed chunk');
    if ((total as number) < 1 || (total as number) > CHUNKS_PER_MESSAGE_MAX || (n as number) < 0 || (n as number) >= (total as number)) {
      return drop('chunk outside its message');
    }
    if (bytes < 0 || bytes > CHUNK_BYTES) return drop('oversized chunk');
    const store = (inner._chunkedData ??= {});
    if (!partial.has(id)) {
      if (partial.size >= PARTIAL_MESSAGES_MAX) {
        const oldest = partial.keys().next().value;
        partial.delete(oldest);
        delete store[String(oldest)];
        drop('too many unfinished messages');
      }
      partial.set(id, 0);
    }
    const count = partial.get(id)! + 1;
    if (count >= (total as number)) partial.delete(id);
    else partial.set(id, count);
    handleChunk(chunk);
  };
}

/** Options of an incoming data connection that our decoder can read (see `signaling-guard.ts`). */
export function incomingOptionsOk(conn: DataConnection): boolean {
  return ['binary', 'default', 'json'].includes(conn.serialization as string);
}

/**
 * The baselines, in a plain web page: raw PeerJS (the stock bundle, loaded by
 * raw.html as the global `Peer`) and a raw `RTCPeerConnection` data channel.
 * One page plays side A (connects, sends, times), another side B (answers,
 * echoes, acknowledges). Times are wall-clock ms (`performance.timeOrigin +
 * performance.now()`), comparable across pages and browsers on one machine.
 * Bundled by esbuild (bench/lib/scripts.ts) and served by bench/lib/web.ts.
 */
import type { DataConnection, Peer as PeerClass, PeerOptions } from 'peerjs';
import { recordTimeline, type Mark } from './timeline';
import { rtcAccept, rtcAnswer, rtcBulk, rtcOffer, rtcRtt } from './raw-rtc';
import { once, wall } from './raw-time';

declare const Peer: typeof PeerClass;
/** The stock bundle's helpers: BinaryPack `pack`/`unpack` and the chunker that DataConnection uses (16,300-byte pieces). */
declare const peerjs: {
  util: {
    chunkedMTU: number;
    pack(data: unknown): ArrayBuffer | Promise<ArrayBuffer>;
    unpack(data: ArrayBuffer): unknown;
    chunk(blob: ArrayBuffer): Array<{ __peerData: number; n: number; total: number; data: ArrayBuffer }>;
  };
};


const marks: Mark[] = [];
recordTimeline(globalThis, marks, wall);

/** Returns the connection marks recorded since the last call (see timeline.ts), and forgets them. */
function takeMarks(): Mark[] {
  return marks.splice(0);
}

/** The PeerJS options our product uses for every data connection (lib/protocol/peer.ts, DATA_CONNECTION_OPTIONS). */
const PRODUCT_LIKE = { serialization: 'binary', reliable: true } as const;

/** What side B saw of one incoming PeerJS connection, in wall-clock ms. */
export interface IncomingRecord {
  connectionAt: number;
  openAt?: number;
  closedAt?: number;
}

/** A message on the PeerJS baseline connection. */
type BenchMessage =
  | { kind: 'ping'; i: number }
  | { kind: 'pong'; i: number }
  | { v: 1; type: 'text'; id: string; text: string; sentAt: number }
  | { v: 1; type: 'ack'; id: string };

let peer: PeerClass | undefined;
let outgoing: DataConnection | undefined;
const incoming = new Map<string, IncomingRecord>();
const onPeerData = new Set<(message: BenchMessage) => void>();


/** Registers a PeerJS peer; resolves with the wall-clock time of `open`. */
function peerStart(options: { id: string; host: string; port: number; path: string; key: string }): Promise<number> {
  const peerOptions: PeerOptions = {
    host: options.host,
    port: options.port,
    path: options.path,
    key: options.key,
    secure: false,
    // As the product does: never PeerJS's public STUN/TURN defaults.
    config: { iceServers: [] },
    debug: 0,
  };
  const created = new Peer(options.id, peerOptions);
  peer = created;
  // Side B: every incoming connection echoes pings and acknowledges texts, as the product's peer would.
  created.on('connection', (conn) => {
    const record: IncomingRecord = { connectionAt: wall() };
    incoming.set(conn.connectionId, record);
    conn.on('open', () => (record.openAt = wall()));
    conn.on('close', () => (record.closedAt = wall()));
    conn.on('data', (data) => {
      const message = data as BenchMessage;
      if ('kind' in message && message.kind === 'ping') void conn.send({ kind: 'pong', i: message.i });
      else if ('type' in message && message.type === 'text') void conn.send({ v: 1, type: 'ack', id: message.id });
    });
  });
  return once<number>((resolve) => {
    created.on('open', () => resolve(wall()));
    created.on('error', (error) => console.warn('peer error', error.type));
  }, 15_000, 'PeerJS open');
}

/** Side A: `peer.connect(target)` to `open`. */
async function peerConnect(target: string): Promise<{ t0: number; openAt: number; connectionId: string }> {
  if (!peer) throw new Error('no peer');
  const t0 = wall();
  const conn = peer.connect(target, PRODUCT_LIKE);
  if (!conn) throw new Error('connect returned nothing');
  outgoing = conn;
  conn.on('data', (data) => onPeerData.forEach((listener) => listener(data as BenchMessage)));
  const openAt = await once<number>((resolve) => conn.on('open', () => resolve(wall())), 15_000, 'PeerJS connection open');
  return { t0, openAt, connectionId: conn.connectionId };
}

/** Side A: closes the current PeerJS connection. */
function peerClose(): void {
  outgoing?.close();
  outgoing = undefined;
}

/** Side B: what it saw of connection `connectionId`. */
function peerIncoming(connectionId: string): IncomingRecord | undefined {
  return incoming.get(connectionId);
}

function nextPeerMessage(match: (message: BenchMessage) => boolean, timeoutMs: number): Promise<number> {
  return once<number>((resolve) => {
    const listener = (message: BenchMessage): void => {
      if (!match(message)) return;
      onPeerData.delete(listener);
      resolve(wall());
    };
    onPeerData.add(listener);
  }, timeoutMs, 'PeerJS reply');
}

let pingCounter = 0;

/** Side A: one ping-pong over the PeerJS connection, in ms. */
async function peerRtt(): Promise<number> {
  const conn = outgoing;
  if (!conn?.open) throw new Error('no open PeerJS connection');
  const i = ++pingCounter;
  const t0 = wall();
  const back = nextPeerMessage((m) => 'kind' in m && m.kind === 'pong' && m.i === i, 5000);
  void conn.send({ kind: 'ping', i });
  return (await back) - t0;
}

/**
 * Side A: sends `count` protocol-shaped `text` messages of `size` ASCII bytes
 * (as the product would put them on the wire) and waits for every `ack`.
 * @returns ms from the first send to the last ack.
 */
async function peerBulk(count: number, size: number): Promise<number> {
  const conn = outgoing;
  if (!conn?.open) throw new Error('no open PeerJS connection');
  const text = 'x'.repeat(size);
  const batch = `b${++pingCounter}`;
  let acked = 0;
  const t0 = wall();
  const done = once<number>((resolve) => {
    const listener = (message: BenchMessage): void => {
      if (!('type' in message) || message.type !== 'ack' || !message.id.startsWith(batch)) return;
      if (++acked === count) {
        onPeerData.delete(listener);
        resolve(wall());
      }
    };
    onPeerData.add(listener);
  }, 60_000, 'PeerJS bulk acks');
  for (let i = 0; i < count; i++) void conn.send({ v: 1, type: 'text', id: `${batch}-${i}`, text, sentAt: Date.now() });
  return (await done) - t0;
}

/** CPU time of encoding one text message, in ms per message. */
export interface SerializationCost {
  /** PeerJS binary send side: BinaryPack the message, cut it into 16,300-byte chunks, BinaryPack each chunk. */
  packMs: number;
  /** PeerJS binary receive side: unpack each chunk, join them, unpack the message. */
  unpackMs: number;
  chunks: number;
  /** `JSON.stringify` + `JSON.parse` of the same message (PeerJS's `json` mode, runtime messaging). */
  jsonMs: number;
  /** `TextEncoder` + `TextDecoder` of the text alone: the floor of any UTF-8 encoding. */
  utf8Ms: number;
}

/** Median of `values`. */
function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Messages timed together per sample: a batch takes well over the 0.1 ms resolution of `performance.now()` here. */
const BATCH = 10;

/**
 * Times, in this page, what PeerJS's binary serialization does to a protocol
 * `text` of `size` ASCII bytes: `samples` batches of {@link BATCH} messages per
 * step, reported as the median batch divided by its size (medians, because one
 * garbage collection would swing a mean).
 */
async function serializationCost(size: number, samples: number): Promise<SerializationCost> {
  const { util } = peerjs;
  const message = { v: 1, type: 'text', id: 'm-1', text: 'x'.repeat(size), sentAt: Date.now() };
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const packOne = async (): Promise<ArrayBuffer[]> => {
    const blob = await util.pack(message);
    return blob.byteLength > util.chunkedMTU ? Promise.all(util.chunk(blob).map((chunk) => util.pack(chunk))) : [blob];
  };
  const wire = await packOne();
  const unpackOne = (): void => {
    if (wire.length === 1) {
      util.unpack(wire[0]!);
      return;
    }
    const pieces = wire.map((piece) => new Uint8Array((util.unpack(piece) as { data: ArrayBuffer }).data));
    const joined = new Uint8Array(pieces.reduce((n, piece) => n + piece.byteLength, 0));
    let at = 0;
    for (const piece of pieces) {
      joined.set(piece, at);
      at += piece.byteLength;
    }
    util.unpack(joined.buffer);
  };
  const time = async (step: () => unknown): Promise<number> => {
    const batches: number[] = [];
    for (let s = 0; s < samples; s++) {
      const t = performance.now();
      for (let i = 0; i < BATCH; i++) await step();
      batches.push((performance.now() - t) / BATCH);
    }
    return middle(batches);
  };
  return {
    packMs: await time(packOne),
    unpackMs: await time(unpackOne),
    chunks: wire.length,
    jsonMs: await time(() => JSON.parse(JSON.stringify(message))),
    utf8Ms: await time(() => decoder.decode(encoder.encode(message.text))),
  };
}

/** The page's API, called by the bench through Playwright. */
export const rawBench = { wall, takeMarks, serializationCost, peerStart, peerConnect, peerClose, peerIncoming, peerRtt, peerBulk, rtcOffer, rtcAnswer, rtcAccept, rtcRtt, rtcBulk };
export type RawBench = typeof rawBench;

Object.assign(globalThis, { rawBench });

// raw.html?autostart=ID&port=P registers at once (the cold-start baseline: no Playwright round trip in the measured time).
const params = new URLSearchParams(location.search);
const autostart = params.get('autostart');
if (autostart) void peerStart({ id: autostart, host: location.hostname, port: Number(params.get('port')), path: '/peerjs', key: 'peerjs' });

/**
 * The raw `RTCPeerConnection` baseline of the bench's raw page (raw.ts): one data
 * channel, SDP handed across by the bench (no signaling server), side A sends and
 * times, side B echoes. The floor under PeerJS and under the product.
 */
import { once, wall } from './raw-time';

/** Numbers the echoes of this channel, so that a late one is not taken for the next. */
let rttCounter = 0;

let pc: RTCPeerConnection | undefined;
let channel: RTCDataChannel | undefined;
const onRtcString = new Set<(text: string) => void>();
/** Side B: bytes expected and received in the current bulk transfer. */
let bulkExpected = 0;
let bulkReceived = 0;

/** Flow control of the raw bulk sender: pause above HIGH bytes queued, resume at the `bufferedamountlow` event (LOW). */
const BUFFER_HIGH = 4 * 1024 * 1024;
const BUFFER_LOW = 1024 * 1024;

function gathered(connection: RTCPeerConnection): Promise<void> {
  if (connection.iceGatheringState === 'complete') return Promise.resolve();
  return once<void>((resolve) => {
    connection.addEventListener('icegatheringstatechange', () => {
      if (connection.iceGatheringState === 'complete') resolve();
    });
  }, 10_000, 'ICE gathering');
}

function wireChannel(dc: RTCDataChannel, side: 'a' | 'b'): void {
  channel = dc;
  dc.binaryType = 'arraybuffer';
  dc.bufferedAmountLowThreshold = BUFFER_LOW;
  dc.addEventListener('message', (event: MessageEvent<string | ArrayBuffer>) => {
    const data = event.data;
    if (typeof data !== 'string') {
      // Side B counts bulk bytes and says when all arrived.
      bulkReceived += data.byteLength;
      if (bulkExpected > 0 && bulkReceived >= bulkExpected) {
        bulkExpected = 0;
        dc.send('done');
      }
      return;
    }
    if (side === 'b') {
      if (data.startsWith('ping:')) dc.send(`pong:${data.slice(5)}`);
      else if (data.startsWith('bulk:')) {
        bulkExpected = Number(data.slice(5));
        bulkReceived = 0;
      }
      return;
    }
    onRtcString.forEach((listener) => listener(data));
  });
}

/** Side A: creates the connection and its channel; resolves with the complete offer (no trickle ICE). */
export async function rtcOffer(): Promise<RTCSessionDescriptionInit> {
  pc = new RTCPeerConnection({ iceServers: [] });
  wireChannel(pc.createDataChannel('bench', { ordered: true }), 'a');
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  return pc.localDescription!.toJSON() as RTCSessionDescriptionInit;
}

/** Side B: answers `offer`; resolves with the complete answer. */
export async function rtcAnswer(offer: RTCSessionDescriptionInit): Promise<RTCSessionDescriptionInit> {
  pc = new RTCPeerConnection({ iceServers: [] });
  pc.addEventListener('datachannel', (event) => wireChannel(event.channel, 'b'));
  await pc.setRemoteDescription(offer);
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  return pc.localDescription!.toJSON() as RTCSessionDescriptionInit;
}

/** Side A: applies the answer and waits for the channel to open; returns the SCTP max message size in bytes. */
export async function rtcAccept(answer: RTCSessionDescriptionInit): Promise<number> {
  if (!pc || !channel) throw new Error('no offer made');
  await pc.setRemoteDescription(answer);
  const dc = channel;
  if (dc.readyState !== 'open') await once<void>((resolve) => dc.addEventListener('open', () => resolve()), 15_000, 'data channel open');
  return pc.sctp?.maxMessageSize ?? 0;
}

function nextRtcString(expected: string, timeoutMs: number): Promise<number> {
  return once<number>((resolve) => {
    const listener = (text: string): void => {
      if (text !== expected) return;
      onRtcString.delete(listener);
      resolve(wall());
    };
    onRtcString.add(listener);
  }, timeoutMs, `raw channel "${expected}"`);
}

/** Side A: one ping-pong over the raw data channel, in ms. */
export async function rtcRtt(): Promise<number> {
  if (channel?.readyState !== 'open') throw new Error('raw channel not open');
  const i = ++rttCounter;
  const t0 = wall();
  const back = nextRtcString(`pong:${i}`, 5000);
  channel.send(`ping:${i}`);
  return (await back) - t0;
}

/**
 * Side A: sends `count` binary messages of `size` bytes with
 * `bufferedAmountLowThreshold` flow control; side B says `done` when all arrived.
 * @returns ms from the announcement to `done`.
 */
export async function rtcBulk(count: number, size: number): Promise<number> {
  const dc = channel;
  if (dc?.readyState !== 'open') throw new Error('raw channel not open');
  const payload = new Uint8Array(size).fill(120);
  const t0 = wall();
  const done = nextRtcString('done', 60_000);
  dc.send(`bulk:${count * size}`);
  for (let i = 0; i < count; i++) {
    if (dc.bufferedAmount > BUFFER_HIGH) await once<void>((resolve) => dc.addEventListener('bufferedamountlow', () => resolve(), { once: true }), 30_000, 'bufferedamountlow');
    dc.send(payload);
  }
  return (await done) - t0;
}

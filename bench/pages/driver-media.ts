/**
 * Video figures for the bench driver: the receiving `RTCRtpReceiver`'s stats, the first
 * decoded frame, and glass-to-glass ages read from the clock strip in the viewer page.
 */
import { clockAge, decodeClock, DEFAULT_LAYOUT, type StripLayout } from '../lib/frame-code';
import { sleep, wall } from './driver-events';
import { offscreen } from './driver-offscreen';

/** The receiver of the video of incoming share `shareId`, once the offscreen document has its stream. */
export function videoReceiver(shareId: string): RTCRtpReceiver | undefined {
  const view = offscreen();
  const track = view?.secureConnectStreams?.get(shareId)?.getVideoTracks()[0];
  if (!view?.benchConnections || !track) return undefined;
  for (const pc of view.benchConnections) {
    if (pc.connectionState === 'closed') continue;
    const receiver = pc.getReceivers().find((r) => r.track.id === track.id);
    if (receiver) return receiver;
  }
  return undefined;
}

/** Receiver-side video figures (W3C webrtc-stats inbound-rtp), with `at` in wall ms. */
export interface VideoStats {
  at: number;
  frameWidth: number;
  frameHeight: number;
  framesDecoded: number;
  framesDropped: number;
  bytesReceived: number;
  jitterBufferDelay: number;
  jitterBufferEmittedCount: number;
  freezeCount: number;
  totalFreezesDuration: number;
  decoderImplementation: string;
  codec: string;
}

export async function videoStats(shareId: string): Promise<VideoStats | undefined> {
  const receiver = videoReceiver(shareId);
  if (!receiver) return undefined;
  const report = await receiver.getStats();
  let found: VideoStats | undefined;
  const codecs = new Map<string, string>();
  report.forEach((entry: Record<string, unknown>) => {
    if (entry.type === 'codec' && typeof entry.mimeType === 'string') codecs.set(String(entry.id), entry.mimeType);
  });
  report.forEach((entry: Record<string, unknown>) => {
    if (entry.type !== 'inbound-rtp' || entry.kind !== 'video') return;
    const num = (key: string): number => (typeof entry[key] === 'number' ? (entry[key] as number) : 0);
    found = {
      at: wall(),
      frameWidth: num('frameWidth'),
      frameHeight: num('frameHeight'),
      framesDecoded: num('framesDecoded'),
      framesDropped: num('framesDropped'),
      bytesReceived: num('bytesReceived'),
      jitterBufferDelay: num('jitterBufferDelay'),
      jitterBufferEmittedCount: num('jitterBufferEmittedCount'),
      freezeCount: num('freezeCount'),
      totalFreezesDuration: num('totalFreezesDuration'),
      decoderImplementation: typeof entry.decoderImplementation === 'string' ? entry.decoderImplementation : '',
      codec: codecs.get(String(entry.codecId)) ?? '',
    };
  });
  return found;
}

/** Polls the receiver every 4 ms until it has decoded a frame; resolves with that moment (wall ms). */
export async function firstDecodedFrame(shareId: string, timeoutMs = 20_000): Promise<number> {
  const deadline = wall() + timeoutMs;
  while (wall() < deadline) {
    const stats = await videoStats(shareId);
    if (stats && stats.framesDecoded > 0) return stats.at;
    await sleep(4);
  }
  throw new Error('no decoded frame');
}

// --- glass to glass (in the viewer page) ------------------------------------------

/** One frame presented by the viewer's video element. */
export interface ClockSample {
  /** When the compositor expects to show it, in wall ms (`expectedDisplayTime`). */
  displayAt: number;
  /** When its last packet arrived, in wall ms (`receiveTime`), when the browser says. */
  receiveAt?: number;
  /** The decoded clock, or `undefined` when the row could not be read. */
  value?: number;
  width: number;
  height: number;
}

let clockSamples: ClockSample[] = [];
let clockRunning = false;

/**
 * Starts reading the clock row from every frame the viewer's `<video>` presents
 * (`requestVideoFrameCallback`): the row is drawn to a canvas and decoded.
 * @param viewport the shared page's size in CSS px (frames are that page scaled).
 */
export function startClock(viewport: { width: number; height: number }, layout: StripLayout = DEFAULT_LAYOUT): boolean {
  const video = document.querySelector<HTMLVideoElement>('[data-testid="viewer-media"]');
  if (!video || !('requestVideoFrameCallback' in video)) return false;
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  clockSamples = [];
  clockRunning = true;
  const onFrame = (_now: number, meta: VideoFrameCallbackMetadata): void => {
    if (!clockRunning) return;
    const scale = meta.width / viewport.width;
    const rows = Math.min(meta.height, Math.ceil((layout.top + layout.block) * scale) + 2);
    if (canvas.width !== meta.width || canvas.height !== rows) {
      canvas.width = meta.width;
      canvas.height = rows;
    }
    context.drawImage(video, 0, 0, meta.width, rows, 0, 0, meta.width, rows);
    const value = decodeClock(context.getImageData(0, 0, meta.width, rows), scale, layout);
    clockSamples.push({
      displayAt: performance.timeOrigin + meta.expectedDisplayTime,
      ...(meta.receiveTime !== undefined ? { receiveAt: performance.timeOrigin + meta.receiveTime } : {}),
      ...(value !== undefined ? { value } : {}),
      width: meta.width,
      height: meta.height,
    });
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  return true;
}

/** Stops reading; returns each frame's glass-to-glass age in ms (display time minus painted time) and how many frames could not be read. */
export function stopClock(): { ages: number[]; receiveAges: number[]; unreadable: number; frames: number } {
  clockRunning = false;
  const ages: number[] = [];
  const receiveAges: number[] = [];
  let unreadable = 0;
  for (const sample of clockSamples) {
    if (sample.value === undefined) {
      unreadable++;
      continue;
    }
    ages.push(clockAge(sample.displayAt, sample.value) + (sample.displayAt % 1));
    if (sample.receiveAt !== undefined) receiveAges.push(clockAge(sample.receiveAt, sample.value) + (sample.receiveAt % 1));
  }
  return { ages, receiveAges, unreadable, frames: clockSamples.length };
}

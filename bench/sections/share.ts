/**
 * Section 4, tab share, per quality preset.
 *
 * Alice shares a page that paints a clock as pixel blocks (bench/pages/clock.ts)
 * with the popup's own request (`background/share`); Bob's popup page accepts
 * the moment the offer arrives, with the popup's own request
 * (`background/accept-share`, which also opens the viewer). Timed: share
 * command to the offer at Bob, and to the first frame decoded by Bob's
 * offscreen document (`framesDecoded` of the receiving RTCRtpReceiver, polled
 * every 4 ms). Then, on the last share of each preset, for the steady window:
 * resolution, frame rate, bitrate and jitter-buffer delay from `getStats()`,
 * and glass-to-glass latency: the clock row read back from every frame the
 * viewer's `<video>` presents (`requestVideoFrameCallback`), subtracted from
 * that frame's expected display time.
 */
import type { Page } from 'playwright-core';
import { clock, drive, injectDriver, sleep, wall, type BenchWeb, type PageScripts } from '../lib/browser';
import type { BenchConfig } from '../lib/config';
import type { BenchPair } from '../lib/pair';
import type { Measure, SectionResult } from '../lib/report';
import { median, summarize } from '../lib/stats';
import type { VideoStats } from '../pages/driver-media';

const PRESETS = ['motion', 'detail'] as const;

interface Steady {
  seconds: number;
  width: number;
  height: number;
  minWidth: number;
  fps: number[];
  mbps: number[];
  jitterMs: number[];
  /** Over the whole window. */
  overall: { fps: number; mbps: number; jitterMs: number; freezes: number; dropped: number };
  glass: number[];
  receiveToPaint: number[];
  framesRead: number;
  framesPresented: number;
  codec: string;
  decoder: string;
}

async function measureSteady(bobPopup: Page, viewer: Page, scripts: PageScripts, shareId: string, viewport: { width: number; height: number }, seconds: number): Promise<Steady> {
  await injectDriver(viewer, scripts);
  await viewer.locator('[data-testid="viewer-media"][data-attached-at]').waitFor({ timeout: 15_000 });
  // Let the bandwidth estimate and the encoder settle after the start.
  await sleep(seconds >= 10 ? 3000 : 500);
  if (!(await drive(viewer, 'startClock', viewport))) throw new Error('the viewer has no video element with requestVideoFrameCallback');
  const samples: VideoStats[] = [];
  const t0 = wall();
  for (let s = 0; s <= seconds; s++) {
    const stats = await drive(bobPopup, 'videoStats', shareId);
    if (stats) samples.push(stats);
    await sleep(Math.max(0, t0 + (s + 1) * 1000 - wall()));
  }
  const read = await drive(viewer, 'stopClock');
  if (samples.length < 2) throw new Error('no receiver statistics');
  const fps: number[] = [];
  const mbps: number[] = [];
  const jitterMs: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = (b.at - a.at) / 1000;
    fps.push((b.framesDecoded - a.framesDecoded) / dt);
    mbps.push(((b.bytesReceived - a.bytesReceived) * 8) / dt / 1e6);
    const emitted = b.jitterBufferEmittedCount - a.jitterBufferEmittedCount;
    if (emitted > 0) jitterMs.push(((b.jitterBufferDelay - a.jitterBufferDelay) / emitted) * 1000);
  }
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const dt = (last.at - first.at) / 1000;
  const emitted = last.jitterBufferEmittedCount - first.jitterBufferEmittedCount;
  return {
    seconds: dt,
    width: last.frameWidth,
    height: last.frameHeight,
    minWidth: Math.min(...samples.map((s) => s.frameWidth)),
    fps,
    mbps,
    jitterMs,
    overall: {
      fps: (last.framesDecoded - first.framesDecoded) / dt,
      mbps: ((last.bytesReceived - first.bytesReceived) * 8) / dt / 1e6,
      jitterMs: emitted > 0 ? ((last.jitterBufferDelay - first.jitterBufferDelay) / emitted) * 1000 : Number.NaN,
      freezes: last.freezeCount - first.freezeCount,
      dropped: last.framesDropped - first.framesDropped,
    },
    glass: read.ages,
    receiveToPaint: read.receiveAges,
    framesRead: read.ages.length,
    framesPresented: read.frames,
    codec: last.codec,
    decoder: last.decoderImplementation,
  };
}

export async function shareSection(pair: BenchPair, web: BenchWeb, scripts: PageScripts, config: BenchConfig, log: (line: string) => void): Promise<SectionResult> {
  const { alice, bob, alicePopup, bobPopup, bobId } = pair;
  const clockTab = await alice.context.newPage();
  await clockTab.goto(`${web.url}/clock.html`);
  await clockTab.waitForFunction(() => 'clockPage' in globalThis && (globalThis as unknown as { clockPage: { frames(): number } }).clockPage.frames() > 10);
  const viewport = await clock(clockTab, 'viewport');
  await clockTab.bringToFront();
  const tabId = await drive(alicePopup, 'tabToShare');
  if (tabId === undefined) throw new Error('no tab to share');
  if (!(await drive(pair.bobHost, 'instrumentOffscreen'))) throw new Error("Bob's offscreen document was not found");
  await drive(bobPopup, 'setAutoAccept', true);
  await clockTab.bringToFront();

  const measures: Measure[] = [];
  const rows: Array<Array<string | number | null>> = [];
  const data: Record<string, unknown> = {};
  for (const preset of PRESETS) {
    const toOffer: number[] = [];
    const toAccepted: number[] = [];
    const toFirstFrame: number[] = [];
    let steady: Steady | undefined;
    for (let rep = 0; rep < config.shareReps; rep++) {
      const viewerOpened = bob.context.waitForEvent('page', { timeout: 20_000 });
      const started = await drive(alicePopup, 'share', bobId, tabId, preset);
      if (!started.shareId) throw new Error(`share failed: ${started.error}`);
      const offer = await drive(bobPopup, 'offerOf', started.shareId);
      const firstFrame = await drive(bobPopup, 'firstDecodedFrame', started.shareId);
      toOffer.push(offer.offerAt - started.t0);
      toAccepted.push(offer.acceptedAt - started.t0);
      toFirstFrame.push(firstFrame - started.t0);
      const viewer = await viewerOpened;
      if (rep === config.shareReps - 1) steady = await measureSteady(bobPopup, viewer, scripts, started.shareId, viewport, config.shareSteadySeconds);
      await drive(alicePopup, 'stopShare', started.shareId);
      await drive(bobPopup, 'shareReached', started.shareId, 'ended');
      await viewer.close();
      await clockTab.bringToFront();
      if ((rep + 1) % 10 === 0) log(`share ${preset} ${rep + 1}/${config.shareReps}`);
    }
    const s = steady!;
    log(`share ${preset}: ${s.width}x${s.height}, ${s.overall.fps.toFixed(1)} fps, glass-to-glass median ${s.glass.length ? median(s.glass).toFixed(0) : '–'} ms`);
    measures.push(
      { figure: `${preset}: share command to first decoded frame at the receiver`, unit: 'ms', summary: summarize(toFirstFrame) },
      { figure: `${preset}: share command to the offer at the receiver`, unit: 'ms', summary: summarize(toOffer) },
      {
        figure: `${preset}: glass-to-glass (clock painted → frame shown by the viewer)`,
        unit: 'ms',
        summary: s.glass.length ? summarize(s.glass) : null,
        note: `${s.framesRead} of ${s.framesPresented} presented frames read`,
      },
      ...(s.receiveToPaint.length
        ? [{ figure: `${preset}: clock painted → frame's last packet received`, unit: 'ms', summary: summarize(s.receiveToPaint) } satisfies Measure]
        : []),
    );
    rows.push([
      preset,
      median(toFirstFrame),
      `${s.width}×${s.height}`,
      s.minWidth,
      s.overall.fps,
      s.fps.length ? Math.min(...s.fps) : null,
      s.overall.mbps,
      s.overall.jitterMs,
      s.glass.length ? median(s.glass) : null,
      s.glass.length ? summarize(s.glass).p95 : null,
      s.overall.freezes,
      `${s.codec} (${s.decoder})`,
    ]);
    data[preset] = { toOffer, toAccepted, toFirstFrame, steady: s };
  }
  await clockTab.close();
  await drive(bobPopup, 'setAutoAccept', false);
  return {
    title: '4. Tab share',
    comparisons: [],
    measures,
    tables: [
      {
        title: `Steady state over ${config.shareSteadySeconds} s per preset (shared tab ${viewport.width}×${viewport.height} CSS px)`,
        columns: [
          'preset',
          'command → first frame, median ms',
          'received resolution',
          'lowest width in window',
          'fps',
          'lowest 1-s fps',
          'Mbit/s',
          'jitter buffer ms (ΔjitterBufferDelay / ΔjitterBufferEmittedCount)',
          'glass-to-glass median ms',
          'glass-to-glass p95 ms',
          'freezes',
          'codec (decoder)',
        ],
        rows,
        note: 'Both browsers, the encoder and the decoder share one 2-core machine. The clock page moves a box under the clock row so the encoder has motion to carry.',
      },
    ],
    notes: [
      'Accepting is automatic (as if the user clicked Accept at once); the viewer tab opens as for a user. The first-frame time does not include a person.',
      'Glass-to-glass is measured on one clock: the shared page paints the wall-clock time of its animation frame; the viewer reads it from each presented frame and subtracts from that frame\'s expectedDisplayTime (requestVideoFrameCallback). It includes the sender\'s compositing and capture, encoding, the network (loopback), jitter buffer, decoding and the receiver\'s compositing.',
    ],
    data,
  };
}

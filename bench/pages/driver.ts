/**
 * Driver of the product, evaluated in an extension page (the popup opened as a
 * tab, or the viewer). It sends exactly the commands the popup sends, on a
 * line of its own to the peer host (lib/host-line.ts, as components/use-session.ts
 * opens one), gets the same events on it, and times everything in the
 * page with wall-clock ms (`performance.timeOrigin + performance.now()`), so a
 * sub-10 ms round trip is not lost in Playwright's polling.
 *
 * For figures the product does not report (first decoded frame, jitter buffer),
 * it reaches the offscreen document's window the way the viewer does
 * (`extension.getViews()`) and reads `getStats()` of the receiving
 * `RTCRtpReceiver`. It changes nothing the product does.
 *
 * Bundled by esbuild (bench/lib/scripts.ts); page.evaluate()s it into the page,
 * which extension CSP allows (it is not a page script).
 */
import { HostLine } from '../../lib/host-line';
import { commandOffscreen, requestBackground, type RuntimeLike } from '../../lib/messaging';
import type { PortRuntime } from '../../lib/session/host-ports';
import type { PeerView, SessionCommand, SessionReply, SessionState, ShareView } from '../../lib/protocol/runtime';
import { clockAge, decodeClock, DEFAULT_LAYOUT, type StripLayout } from '../lib/frame-code';
import { recordTimeline, type Mark } from './timeline';

const runtime = chrome.runtime as unknown as RuntimeLike & PortRuntime;

/** Wall-clock time in ms since the Unix epoch, with sub-ms resolution. */
const wall = (): number => performance.timeOrigin + performance.now();

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Transition<S> {
  state: S;
  at: number;
}

const peerTransitions = new Map<string, Array<Transition<PeerView['state']>>>();
const shareTransitions = new Map<string, Array<Transition<ShareView['state']>>>();
const delivered = new Map<string, number>();
const changed = new Set<() => void>();
let lastState: SessionState | undefined;

function record<S>(log: Map<string, Array<Transition<S>>>, id: string, state: S, at: number): void {
  const list = log.get(id) ?? [];
  if (list.at(-1)?.state !== state) list.push({ state, at });
  log.set(id, list);
}

/** Offers seen here, by share ID, with when they arrived and when our accept was answered. */
const offers = new Map<string, { offerAt: number; acceptedAt?: number; error?: string }>();
let autoAccept = false;

function onState(state: SessionState): void {
  const at = wall();
  lastState = state;
  for (const peer of state.peers) record(peerTransitions, peer.id, peer.state, at);
  for (const share of state.shares) record(shareTransitions, share.id, share.state, at);
  notify();
}

function onChanges(changes: Array<{ kind: string; id?: string; status?: string }>): void {
  const at = wall();
  for (const change of changes) {
    if (change.kind === 'status' && change.status === 'delivered' && change.id && !delivered.has(change.id)) delivered.set(change.id, at);
  }
  notify();
}

function onShareOffer(share: ShareView): void {
  if (!autoAccept) return;
  // As a user who clicks Accept at once: the popup's accept (background/accept-share), which also opens the viewer.
  const entry: { offerAt: number; acceptedAt?: number; error?: string } = { offerAt: wall() };
  offers.set(share.id, entry);
  void requestBackground(runtime, { type: 'background/accept-share', shareId: share.id }).then((reply) => {
    entry.acceptedAt = wall();
    if (!reply.ok) entry.error = reply.error;
    notify();
  });
  notify();
}

const line = new HostLine(runtime, true, { state: onState, messages: onChanges, shareOffer: onShareOffer });
line.start();

function notify(): void {
  for (const listener of [...changed]) listener();
}

/** Resolves with the first value `probe` returns that is not `undefined`, checked now and on every event. */
function whenEvent<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const now = probe();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise<T>((resolve, reject) => {
    const listener = (): void => {
      const value = probe();
      if (value === undefined) return;
      changed.delete(listener);
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      changed.delete(listener);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    changed.add(listener);
  });
}

/** When `peerId` first reached `state` at or after `after` (wall ms), as seen by this page's events. */
function peerReached(peerId: string, state: PeerView['state'], after: number, timeoutMs = 20_000): Promise<number> {
  return whenEvent(() => peerTransitions.get(peerId)?.find((t) => t.state === state && t.at >= after)?.at, timeoutMs, `${peerId} ${state}`);
}

/** When share `shareId` first reached `state`. */
function shareReached(shareId: string, state: ShareView['state'], timeoutMs = 20_000): Promise<number> {
  return whenEvent(() => shareTransitions.get(shareId)?.find((t) => t.state === state)?.at, timeoutMs, `share ${state}`);
}

/**
 * How a command travels: `port` as the popup sends it (on its line, a
 * `runtime.connect` port to the peer host), or `direct`, one `runtime.sendMessage`
 * to the offscreen document as the background sends its commands
 * (lib/messaging.ts `commandOffscreen`): what the port saves.
 */
export type Route = 'port' | 'direct';

function command<C extends SessionCommand>(route: Route, body: C): Promise<SessionReply<C['type']>> {
  return route === 'direct' ? commandOffscreen(runtime, body) : line.command(body);
}

/**
 * The current snapshot, asked as the popup asks for it (or `direct`): with the history
 * as on opening, or without it (`withMessages` false) as in the popup's idle resync.
 */
async function getState(route: Route = 'port', withMessages = true): Promise<{ state: SessionState; messages: number; bytes: number; ms: number }> {
  const t0 = wall();
  const reply = await command(route, { type: 'session/get-state', messages: withMessages });
  const ms = wall() - t0;
  if (!reply.ok) throw new Error(`get-state: ${reply.error}`);
  return { state: reply.state, messages: reply.messageCount, bytes: JSON.stringify(reply).length, ms };
}

/** `session/connect` as the popup sends it; `t0` is just before sending (wall ms). */
async function connect(peerId: string): Promise<{ t0: number; replyAt: number; ok: boolean; error?: string }> {
  const t0 = wall();
  const reply = await line.command({ type: 'session/connect', peerId });
  return { t0, replyAt: wall(), ok: reply.ok, ...(reply.ok ? {} : { error: reply.error }) };
}

async function disconnect(peerId: string): Promise<number> {
  const t0 = wall();
  const reply = await line.command({ type: 'session/disconnect', peerId });
  if (!reply.ok) throw new Error(`disconnect: ${reply.error}`);
  return t0;
}

function deliveredAt(messageId: string, timeoutMs: number): Promise<number> {
  return whenEvent(() => delivered.get(messageId), timeoutMs, `ack of ${messageId}`);
}

/**
 * One text as the popup sends it (`session/send-text`), timed to its "Delivered"
 * (the `event/messages` status change to `delivered` that the popup renders).
 * @returns ms to the command's reply (accepted) and to delivered.
 */
async function rtt(peerId: string, text: string, route: Route = 'port'): Promise<{ accepted: number; delivered: number }> {
  const t0 = wall();
  const reply = await command(route, { type: 'session/send-text', peerId, text });
  const accepted = wall() - t0;
  if (!reply.ok) throw new Error(`send-text: ${reply.error}`);
  return { accepted, delivered: (await deliveredAt(reply.messageId, 10_000)) - t0 };
}

/**
 * `count` texts of `size` ASCII bytes, all sent at once (no waiting between
 * commands), timed to the last "Delivered".
 * @returns ms to the last command reply and to the last delivered.
 */
async function bulk(peerId: string, count: number, size: number, route: Route = 'port'): Promise<{ accepted: number; delivered: number }> {
  const text = 'x'.repeat(size);
  const t0 = wall();
  const replies = await Promise.all(Array.from({ length: count }, () => command(route, { type: 'session/send-text', peerId, text })));
  const accepted = wall() - t0;
  const ids: string[] = [];
  for (const reply of replies) {
    if (!reply.ok) throw new Error(`send-text: ${reply.error}`);
    ids.push(reply.messageId);
  }
  const times = await Promise.all(ids.map((id) => deliveredAt(id, 60_000)));
  return { accepted, delivered: Math.max(...times) - t0 };
}

// --- shares -------------------------------------------------------------------

/**
 * The tab "Share this tab" means when the popup is open as a tab: the other tab
 * of its window used last (the rule of components/share-target.ts). The
 * extension has no `tabs` permission, so URLs cannot be matched; the bench
 * brings the page to share to the front first.
 */
async function tabToShare(): Promise<number | undefined> {
  const self = await chrome.tabs.getCurrent();
  const tabs = await chrome.tabs.query(self ? { windowId: self.windowId } : { active: true, lastFocusedWindow: true });
  return tabs.filter((tab) => tab.id !== self?.id).sort((a, b) => (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0))[0]?.id;
}

/** A tab share as the popup starts it (`background/share`); `t0` just before sending. */
async function share(peerId: string, tabId: number, preset: 'motion' | 'detail'): Promise<{ t0: number; replyAt: number; shareId?: string; error?: string }> {
  const t0 = wall();
  const reply = await requestBackground(runtime, { type: 'background/share', peerId, kind: 'tab', preset, tabId });
  return { t0, replyAt: wall(), ...(reply.ok ? { shareId: reply.shareId } : { error: reply.error }) };
}

async function stopShare(shareId: string): Promise<void> {
  await line.command({ type: 'session/share-stop', shareId });
}

function setAutoAccept(on: boolean): void {
  autoAccept = on;
}

function offerOf(shareId: string, timeoutMs = 15_000): Promise<{ offerAt: number; acceptedAt: number }> {
  return whenEvent(
    () => {
      const offer = offers.get(shareId);
      if (offer?.error) throw new Error(`accept-share: ${offer.error}`);
      return offer?.acceptedAt !== undefined ? { offerAt: offer.offerAt, acceptedAt: offer.acceptedAt } : undefined;
    },
    timeoutMs,
    `offer ${shareId}`,
  );
}

type OffscreenWindow = Window & {
  secureConnectStreams?: Map<string, MediaStream>;
  benchConnections?: Set<RTCPeerConnection>;
  benchMarks?: Mark[];
  RTCPeerConnection: typeof RTCPeerConnection;
  RTCDataChannel: typeof RTCDataChannel;
  chrome: typeof chrome;
};

/** The offscreen document's window (same extension, same process), found as the viewer finds it. */
function offscreen(): OffscreenWindow | undefined {
  return (chrome.extension.getViews() as Window[]).find((view) => view.location.pathname === '/offscreen.html') as OffscreenWindow | undefined;
}

/**
 * Keeps a reference to every `RTCPeerConnection` the offscreen document gives a
 * remote description from now on, so the bench can read receiver stats the
 * product does not report. Wraps one prototype method; behaviour is unchanged.
 */
function instrumentOffscreen(): boolean {
  const view = offscreen();
  if (!view) return false;
  if (view.benchConnections) return true;
  const connections = new Set<RTCPeerConnection>();
  view.benchConnections = connections;
  const proto = view.RTCPeerConnection.prototype;
  const original = proto.setRemoteDescription;
  proto.setRemoteDescription = function (this: RTCPeerConnection, ...args: Parameters<typeof original>) {
    connections.add(this);
    return original.apply(this, args);
  } as typeof original;
  return true;
}

/**
 * Starts marking connection moments in the offscreen document (timeline.ts),
 * plus `command`: when a `session/connect` reaches it (a runtime listener of
 * its own, which answers nothing).
 */
function instrumentTimeline(): boolean {
  const view = offscreen();
  if (!view) return false;
  if (view.benchMarks) return true;
  const marks: Mark[] = [];
  view.benchMarks = marks;
  const now = (): number => view.performance.timeOrigin + view.performance.now();
  recordTimeline(view, marks, now);
  view.chrome.runtime.onMessage.addListener((message: unknown) => {
    const envelope = message as { to?: string; body?: { type?: string } };
    if (envelope.to === 'offscreen' && envelope.body?.type === 'session/connect') marks.push({ what: 'command', at: now() });
    return undefined;
  });
  return true;
}

/** The offscreen document's marks since the last call, forgotten after. */
function takeMarks(): Mark[] {
  return offscreen()?.benchMarks?.splice(0) ?? [];
}

/**
 * Adds an echo to the offscreen document, for the cost of the messaging
 * primitives themselves: a `runtime.onMessage` listener that answers
 * `{ benchEcho }` messages at once, and a `runtime.onConnect` listener whose
 * port echoes every message. The product's listeners ignore both.
 */
function installEcho(): boolean {
  const view = offscreen() as (OffscreenWindow & { benchEcho?: boolean }) | undefined;
  if (!view) return false;
  if (view.benchEcho) return true;
  view.benchEcho = true;
  view.chrome.runtime.onMessage.addListener((message: unknown, _sender: unknown, sendResponse: (reply: unknown) => void) => {
    if (typeof message === 'object' && message !== null && 'benchEcho' in message) sendResponse({ benchEcho: true });
    return undefined;
  });
  view.chrome.runtime.onConnect.addListener((port: { name: string; onMessage: { addListener(listener: (message: unknown) => void): void }; postMessage(message: unknown): void }) => {
    if (port.name === 'bench-echo') port.onMessage.addListener((message: unknown) => port.postMessage(message));
  });
  return true;
}

/**
 * Round trips from this page to the offscreen document's echo ({@link installEcho})
 * with a payload of `size` characters, `count` times each: by `runtime.sendMessage`
 * (what every command and event of the product uses; it is offered to every
 * extension context) and over one `runtime.connect` port (point to point, opened once). In ms.
 */
async function messagingCost(count: number, size: number): Promise<{ sendMessage: number[]; port: number[] }> {
  const data = 'x'.repeat(size);
  const sendMessage: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = wall();
    await chrome.runtime.sendMessage({ benchEcho: true, data });
    sendMessage.push(wall() - t0);
  }
  const port = chrome.runtime.connect({ name: 'bench-echo' });
  const viaPort: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = wall();
    await new Promise<void>((resolve) => {
      const listener = (message: { n: number }): void => {
        if (message.n !== i) return;
        port.onMessage.removeListener(listener);
        resolve();
      };
      port.onMessage.addListener(listener);
      port.postMessage({ n: i, data });
    });
    viaPort.push(wall() - t0);
  }
  port.disconnect();
  return { sendMessage, port: viaPort };
}

/** The receiver of the video of incoming share `shareId`, once the offscreen document has its stream. */
function videoReceiver(shareId: string): RTCRtpReceiver | undefined {
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

async function videoStats(shareId: string): Promise<VideoStats | undefined> {
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
async function firstDecodedFrame(shareId: string, timeoutMs = 20_000): Promise<number> {
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
function startClock(viewport: { width: number; height: number }, layout: StripLayout = DEFAULT_LAYOUT): boolean {
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
function stopClock(): { ages: number[]; receiveAges: number[]; unreadable: number; frames: number } {
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

/** The driver's API, called by the bench through Playwright. */
export const benchDriver = {
  wall,
  getState,
  lastState: () => lastState,
  connect,
  disconnect,
  peerReached,
  shareReached,
  rtt,
  bulk,
  tabToShare,
  share,
  stopShare,
  setAutoAccept,
  offerOf,
  instrumentOffscreen,
  instrumentTimeline,
  takeMarks,
  installEcho,
  messagingCost,
  videoStats,
  firstDecodedFrame,
  startClock,
  stopClock,
};
export type BenchDriver = typeof benchDriver;
Object.assign(globalThis, { benchDriver });

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
import { commandOffscreen, requestBackground } from '../../lib/messaging';
import type { SessionCommand, SessionReply, SessionState } from '../../lib/protocol/runtime';
import { deliveredAt, lastState, line, offerOf, peerReached, runtime, setAutoAccept, shareReached, wall } from './driver-events';
import { installEcho, instrumentOffscreen, instrumentTimeline, messagingCost, takeMarks } from './driver-offscreen';
import { firstDecodedFrame, startClock, stopClock, videoStats } from './driver-media';

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

/** The driver's API, called by the bench through Playwright. */
export const benchDriver = {
  wall,
  getState,
  lastState,
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

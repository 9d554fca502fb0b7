/**
 * The bench driver's reach into the offscreen document (same extension, same process,
 * found as the viewer finds it): instruments that read what the product does not
 * report, and an echo for the cost of the messaging primitives. Nothing the product
 * does changes.
 */
import { wall } from './driver-events';
import { recordTimeline, type Mark } from './timeline';

export type OffscreenWindow = Window & {
  secureConnectStreams?: Map<string, MediaStream>;
  benchConnections?: Set<RTCPeerConnection>;
  benchMarks?: Mark[];
  RTCPeerConnection: typeof RTCPeerConnection;
  RTCDataChannel: typeof RTCDataChannel;
  chrome: typeof chrome;
};

/** The offscreen document's window (same extension, same process), found as the viewer finds it. */
export function offscreen(): OffscreenWindow | undefined {
  return (chrome.extension.getViews() as Window[]).find((view) => view.location.pathname === '/offscreen.html') as OffscreenWindow | undefined;
}

/**
 * Keeps a reference to every `RTCPeerConnection` the offscreen document gives a
 * remote description from now on, so the bench can read receiver stats the
 * product does not report. Wraps one prototype method; behaviour is unchanged.
 */
export function instrumentOffscreen(): boolean {
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
export function instrumentTimeline(): boolean {
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
export function takeMarks(): Mark[] {
  return offscreen()?.benchMarks?.splice(0) ?? [];
}

/**
 * Adds an echo to the offscreen document, for the cost of the messaging
 * primitives themselves: a `runtime.onMessage` listener that answers
 * `{ benchEcho }` messages at once, and a `runtime.onConnect` listener whose
 * port echoes every message. The product's listeners ignore both.
 */
export function installEcho(): boolean {
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
export async function messagingCost(count: number, size: number): Promise<{ sendMessage: number[]; port: number[] }> {
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

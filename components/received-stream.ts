/**
 * How the viewer gets a received stream: from the offscreen document's window,
 * found with `extension.getViews()` (same extension, same process). A
 * `MediaStream` cannot be posted between pages (`DataCloneError`); see
 * docs/architecture.md for the measurements behind this choice.
 */
import { browser } from 'wxt/browser';

const OFFSCREEN_PATH = '/offscreen.html';

/**
 * The received stream of `shareId`, as a stream of this page's realm holding
 * the same tracks, or `undefined` when the offscreen document does not have it (yet).
 */
export function takeReceivedStream(shareId: string): MediaStream | undefined {
  // getViews() with no filter lists the offscreen document too (observed in Chromium;
  // the `type: 'offscreen'` filter throws). Checked at each call, not assumed.
  const views = (browser.extension.getViews() as Window[]).filter((view) => view.location.pathname === OFFSCREEN_PATH);
  for (const view of views) {
    const streams = (view as Window & { secureConnectStreams?: Map<string, MediaStream> }).secureConnectStreams;
    const stream = streams?.get(shareId);
    // The stream belongs to the other page's realm: wrap its tracks in one of ours.
    if (stream) return new MediaStream(stream.getTracks());
  }
  return undefined;
}

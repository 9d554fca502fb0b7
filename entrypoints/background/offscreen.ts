/**
 * The one offscreen document that hosts the peer (Chrome only; Firefox runs the
 * peer host in its background page). Pattern from Chrome's offscreen docs:
 * check `runtime.getContexts` first, and share one in-flight creation so two
 * callers never race (https://developer.chrome.com/docs/extensions/reference/api/offscreen).
 */

const OFFSCREEN_PATH = '/offscreen.html';

let creating: Promise<void> | undefined;

/** Makes sure the offscreen document exists; resolves once it has loaded. */
export async function ensureOffscreen(): Promise<void> {
  const url = chrome.runtime.getURL(OFFSCREEN_PATH);
  const contexts = await chrome.runtime.getContexts({
    contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT],
    documentUrls: [url],
  });
  if (contexts.length > 0) return;
  creating ??= chrome.offscreen
    .createDocument({
      url: OFFSCREEN_PATH,
      reasons: [chrome.offscreen.Reason.WEB_RTC],
      justification: 'Holds the WebRTC peer connections, which a service worker cannot.',
    })
    .catch((error: unknown) => {
      // Another caller (e.g. an earlier worker instance) created it meanwhile.
      if (!String(error).includes('Only a single offscreen')) throw error;
    })
    .finally(() => {
      creating = undefined;
    });
  await creating;
}


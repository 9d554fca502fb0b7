/**
 * Starting and answering shares: the Chrome-only half (tab capture stream IDs,
 * notifications with buttons, opening the viewer). The peer host does the rest.
 */
import { browser } from 'wxt/browser';
import { i18n } from '#i18n';
import { errorText } from '@/components/error-text';
import type { ErrorCode } from '@/lib/errors';
import type { ShareView } from '@/lib/protocol/runtime';
import { DEFAULT_PRESET, type PresetName, type ShareKind } from '@/lib/share/presets';
import { viewerPath } from '@/lib/share/viewer';
import type { HostClient } from './host-client';
import type { StateWatch } from './state-watch';

type Reply = { ok: true; shareId: string } | { ok: false; error: ErrorCode };

/** Pages Chrome never lets an extension capture. */
const PROTECTED_URL = /^(chrome|chrome-extension|chrome-untrusted|devtools|edge|about|view-source):|^https:\/\/(chrome\.google\.com\/webstore|chromewebstore\.google\.com)/;

/**
 * Shares `tabId` (tab kinds) or the microphone with `peerId`.
 * The caller must run in response to the user invoking the extension on that
 * tab (toolbar, context menu, shortcut): Chrome requires it for tab capture.
 */
export async function startShare(
  host: HostClient,
  request: { peerId: string; kind: ShareKind; preset?: PresetName; tabId?: number },
): Promise<Reply> {
  const preset = request.preset ?? DEFAULT_PRESET;
  if (request.kind === 'mic') {
    return host.command({ type: 'session/share-start', peerId: request.peerId, kind: 'mic', preset, title: '' });
  }
  if (request.tabId === undefined) return { ok: false, error: 'no-tab' };
  const tab = await browser.tabs.get(request.tabId).catch(() => undefined);
  if (!tab?.id) return { ok: false, error: 'no-tab' };
  if (tab.url && PROTECTED_URL.test(tab.url)) return { ok: false, error: 'capture-forbidden' };
  let streamId: string;
  try {
    streamId = await chrome.tabCapture.getMediaStreamId({ targetTabId: tab.id });
  } catch (error) {
    console.warn('[secureconnect] tab capture refused', error);
    return { ok: false, error: /chrome pages|cannot be captured|webstore/i.test(String(error)) ? 'capture-forbidden' : 'capture-failed' };
  }
  return host.command({
    type: 'session/share-start',
    peerId: request.peerId,
    kind: request.kind,
    preset,
    streamId,
    tabId: tab.id,
    ...(tab.width && tab.height ? { tabWidth: tab.width, tabHeight: tab.height } : {}),
    title: (tab.title ?? '').slice(0, 300),
  });
}

/** Accepts an incoming share and opens the viewer for it. */
export async function acceptShare(host: HostClient, shareId: string): Promise<{ ok: true } | { ok: false; error: ErrorCode }> {
  const reply = await host.command({ type: 'session/share-answer', shareId, accept: true });
  if (reply.ok) await browser.tabs.create({ url: browser.runtime.getURL(viewerPath(shareId)) });
  return reply;
}

const OFFER_PREFIX = 'share-offer:';

const KIND_KEYS = {
  tab: 'notify.shareOfferTab',
  'tab-audio': 'notify.shareOfferTabAudio',
  mic: 'notify.shareOfferMic',
} as const;

/** Asks the user about an incoming share, with Accept / Decline buttons. */
export async function notifyShareOffer(share: ShareView, peerLabel: string): Promise<void> {
  await browser.notifications.create(`${OFFER_PREFIX}${share.id}`, {
    type: 'basic',
    iconUrl: browser.runtime.getURL('/icon/128.png'),
    title: i18n.t('notify.shareOffer', [peerLabel]),
    message: share.kind === 'mic' ? i18n.t(KIND_KEYS.mic) : i18n.t(KIND_KEYS[share.kind], [share.title]),
    buttons: [{ title: i18n.t('notify.accept') }, { title: i18n.t('notify.decline') }],
    requireInteraction: true,
  });
}

/** Removes the question once the share is answered or gone. */
export function clearShareOffer(shareId: string): void {
  void browser.notifications.clear(`${OFFER_PREFIX}${shareId}`);
}

/** The share a notification asks about, or `undefined`. */
export function shareOfNotification(notificationId: string): string | undefined {
  return notificationId.startsWith(OFFER_PREFIX) ? notificationId.slice(OFFER_PREFIX.length) : undefined;
}

/** Tells the user why a share from the menu or the shortcut did not start. */
export async function notifyShareFailed(error: ErrorCode): Promise<void> {
  await browser.notifications.create(`share-failed:${Date.now()}`, {
    type: 'basic',
    iconUrl: browser.runtime.getURL('/icon/128.png'),
    title: i18n.t('notify.shareFailedTitle'),
    message: errorText(error),
  });
}

/**
 * Capture tracks end when a tab closes; this is the belt to that brace. A worker
 * Chrome restarted has no state yet: it asks the host whether the tab was shared.
 */
export function watchClosedTabs(host: HostClient, watch: StateWatch): void {
  browser.tabs.onRemoved.addListener((tabId) => {
    void (async () => {
      const state = watch.current ?? (await host.state());
      if (!state?.shares.some((share) => share.tabId === tabId)) return;
      await host.command({ type: 'session/share-tab-closed', tabId });
    })();
  });
}

/** Notifications and the toolbar badge. */
import { browser } from 'wxt/browser';
import { i18n } from '#i18n';
import type { ChatMessage, SessionState } from '@/lib/protocol/runtime';

/** Longest text shown in a notification, in characters; the popup shows the rest. */
const NOTIFICATION_TEXT_LIMIT = 300;

const ICON = '/icon/128.png';

function shorten(text: string): string {
  return text.length > NOTIFICATION_TEXT_LIMIT ? `${text.slice(0, NOTIFICATION_TEXT_LIMIT)}…` : text;
}

/** Shows received text. Notifications render plain text only, so no HTML can run. */
export async function notifyReceived(message: ChatMessage, state: SessionState | undefined): Promise<void> {
  const peer = state?.peers.find((p) => p.id === message.peerId);
  const from = peer?.name ? `${peer.name} (${message.peerId})` : message.peerId;
  await browser.notifications.create(`text:${message.id}`, {
    type: 'basic',
    iconUrl: browser.runtime.getURL(ICON),
    title: i18n.t('notify.textFrom', [from]),
    message: shorten(message.text),
  });
}

/** Tells the user that text from the context menu could not be sent; it is kept in the history. */
export async function notifySendFailed(peerId: string, reason: string): Promise<void> {
  await browser.notifications.create(`send-failed:${Date.now()}`, {
    type: 'basic',
    iconUrl: browser.runtime.getURL(ICON),
    title: i18n.t('notify.sendFailedTitle', [peerId]),
    message: i18n.t('notify.sendFailedBody', [reason]),
  });
}

/** Badge: "LIVE" in red while we share, else the number of connected peers (empty when none). */
export async function updateBadge(state: SessionState): Promise<void> {
  const sharing = state.shares.some((share) => share.direction === 'out' && (share.state === 'live' || share.state === 'offering'));
  const count = state.peers.filter((peer) => peer.state === 'connected').length;
  await browser.action.setBadgeBackgroundColor({ color: sharing ? '#c62828' : '#1a7f37' });
  await browser.action.setBadgeText({ text: sharing ? i18n.t('badge.live') : count > 0 ? String(count) : '' });
}

const REQUEST_PREFIX = 'conn-request:';

/** Asks the user about an incoming connection from an untrusted peer. */
export async function notifyConnectionRequest(peerId: string): Promise<void> {
  await browser.notifications.create(`${REQUEST_PREFIX}${peerId}`, {
    type: 'basic',
    iconUrl: browser.runtime.getURL(ICON),
    title: i18n.t('notify.connectionRequest', [peerId]),
    message: i18n.t('notify.connectionRequestBody'),
    buttons: [{ title: i18n.t('notify.accept') }, { title: i18n.t('notify.decline') }],
    requireInteraction: true,
  });
}

/** The peer a connection-request notification is about, or `undefined`. */
export function peerOfRequestNotification(notificationId: string): string | undefined {
  return notificationId.startsWith(REQUEST_PREFIX) ? notificationId.slice(REQUEST_PREFIX.length) : undefined;
}

/** Withdraws the question once the request is answered or gone. */
export function clearConnectionRequest(peerId: string): void {
  void browser.notifications.clear(`${REQUEST_PREFIX}${peerId}`);
}

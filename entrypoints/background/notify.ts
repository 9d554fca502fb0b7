/**
 * Notifications and the toolbar badge.
 *
 * Notifications are coalesced so that no peer can flood the user: received texts
 * update one notification per peer (`text:<peerId>`: the newest text and how many
 * came), connection requests share one notification in all, and each is updated
 * at most once per {@link NOTIFY_INTERVAL_MS}. Notifications render plain text
 * only, so no HTML can run.
 */
import { browser, type Browser } from 'wxt/browser';
import { i18n } from '#i18n';
import { tPlural } from '@/components/plural';
import type { SessionState } from '@/lib/protocol/runtime';
import { Throttle } from './throttle';

/** Longest text shown in a notification, in characters; the popup shows the rest. */
const NOTIFICATION_TEXT_LIMIT = 300;

/** Shortest time between two updates of one notification, in ms. */
export const NOTIFY_INTERVAL_MS = 1000;

const ICON = '/icon/128.png';
const TEXT_PREFIX = 'text:';
/** A request from one peer: the ID names the peer the buttons answer. */
const REQUEST_PREFIX = 'conn-request:';
/** Requests from several peers: no buttons, the popup answers each. */
const REQUESTS_ID = 'conn-requests';

function shorten(text: string): string {
  return text.length > NOTIFICATION_TEXT_LIMIT ? `${text.slice(0, NOTIFICATION_TEXT_LIMIT)}…` : text;
}

/** The part of `browser.notifications` the notifier uses. */
export interface NotificationsApi {
  create(notificationId: string, options: Browser.notifications.NotificationCreateOptions): Promise<string>;
  update(notificationId: string, options: Browser.notifications.NotificationOptions): Promise<boolean>;
  clear(notificationId: string): Promise<boolean>;
}

/** Texts from one peer not yet seen in its notification. */
interface PeerTexts {
  count: number;
  latest: string;
  label: string;
  /** The notification is up (as far as we know). */
  shown: boolean;
  throttle: Throttle;
}

/** Coalesces text and connection-request notifications; one per background worker. */
export class Notifier {
  private readonly texts = new Map<string, PeerTexts>();
  /** Peers waiting for our user's answer, oldest first. */
  private readonly requests = new Set<string>();
  /** The request notification now up, if any. */
  private requestShown: string | undefined;
  private readonly requestThrottle = new Throttle(() => this.showRequests(), NOTIFY_INTERVAL_MS);

  /** @param iconUrl absolute URL of the notification icon. */
  constructor(
    private readonly api: NotificationsApi,
    private readonly iconUrl: string,
  ) {}

  /** Counts a text received from `peerId` (shown as `label`) and updates its notification soon. */
  received(peerId: string, text: string, label: string): void {
    let entry = this.texts.get(peerId);
    if (!entry) {
      const created: PeerTexts = { count: 0, latest: '', label, shown: false, throttle: new Throttle(() => this.showTexts(peerId, created), NOTIFY_INTERVAL_MS) };
      this.texts.set(peerId, created);
      entry = created;
    }
    entry.count += 1;
    entry.latest = text;
    entry.label = label;
    entry.throttle.request();
  }

  /** Adds `peerId` to the connection requests waiting for our user. */
  requested(peerId: string): void {
    if (this.requests.has(peerId)) return;
    this.requests.add(peerId);
    this.requestThrottle.request();
  }

  /** Removes `peerId`'s request (answered, withdrawn or gone). */
  answered(peerId: string): void {
    if (this.requests.delete(peerId)) this.requestThrottle.request();
    // Not ours: perhaps left by the previous worker (Chrome stops it at will).
    else void this.api.clear(`${REQUEST_PREFIX}${peerId}`);
  }

  /** A notification was closed: its texts count as seen. */
  closed(notificationId: string): void {
    if (notificationId === this.requestShown) this.requestShown = undefined;
    if (!notificationId.startsWith(TEXT_PREFIX)) return;
    const entry = this.texts.get(notificationId.slice(TEXT_PREFIX.length));
    if (!entry) return;
    entry.throttle.cancel();
    this.texts.delete(notificationId.slice(TEXT_PREFIX.length));
  }

  /** Settles once every update started so far has (for tests). */
  async idle(): Promise<void> {
    await Promise.all([this.requestThrottle.idle(), ...[...this.texts.values()].map((entry) => entry.throttle.idle())]);
  }

  private async showTexts(peerId: string, entry: PeerTexts): Promise<void> {
    const id = `${TEXT_PREFIX}${peerId}`;
    const options = {
      type: 'basic' as const,
      iconUrl: this.iconUrl,
      title: tPlural('notify.textsFrom', entry.count, [String(entry.count), entry.label]),
      message: shorten(entry.latest),
    };
    // Update in place (no new pop-up); create only when it is not up (first text, or dismissed).
    if (entry.shown && (await this.api.update(id, options))) return;
    await this.api.create(id, options);
    entry.shown = true;
  }

  private async showRequests(): Promise<void> {
    const pending = [...this.requests];
    const wanted = pending.length === 0 ? undefined : pending.length === 1 ? `${REQUEST_PREFIX}${pending[0]}` : REQUESTS_ID;
    const shown = this.requestShown;
    if (shown !== undefined && shown !== wanted) {
      this.requestShown = undefined;
      await this.api.clear(shown);
    }
    if (wanted === undefined) return;
    const options: Browser.notifications.NotificationCreateOptions =
      pending.length === 1
        ? {
            type: 'basic',
            iconUrl: this.iconUrl,
            title: i18n.t('notify.connectionRequest', [pending[0]!]),
            message: i18n.t('notify.connectionRequestBody'),
            buttons: [{ title: i18n.t('notify.accept') }, { title: i18n.t('notify.decline') }],
            requireInteraction: true,
          }
        : {
            type: 'basic',
            iconUrl: this.iconUrl,
            title: tPlural('notify.connectionRequests', pending.length),
            message: i18n.t('notify.connectionRequestsBody'),
            requireInteraction: true,
          };
    if (shown === wanted && (await this.api.update(wanted, options))) return;
    await this.api.create(wanted, options);
    this.requestShown = wanted;
  }
}

/**
 * The peer a connection-request notification is about, or `undefined`. Only a
 * notification about exactly one request names a peer, so its buttons can
 * answer no one else.
 */
export function peerOfRequestNotification(notificationId: string): string | undefined {
  return notificationId.startsWith(REQUEST_PREFIX) ? notificationId.slice(REQUEST_PREFIX.length) : undefined;
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

/** The background's notifier, on the browser's notifications. */
export function createNotifier(): Notifier {
  return new Notifier(browser.notifications, browser.runtime.getURL(ICON));
}

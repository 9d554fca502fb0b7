/**
 * What the host tells the user while no page may be open: connection requests,
 * texts received and share offers become notifications, and their buttons answer.
 */
import { browser } from 'wxt/browser';
import type { HostClient } from './host-client';
import { peerOfRequestNotification, type Notifier } from './notify';
import { acceptShare, clearShareOffer, notifyShareOffer, shareOfNotification } from './share';
import type { StateWatch } from './state-watch';

/** Wires the host's events to notifications, and notification buttons to commands. */
export function installAlerts(host: HostClient, watch: StateWatch, notifier: Notifier): void {
  browser.notifications.onClosed.addListener((notificationId) => notifier.closed(notificationId));
  host.onEvent((event) => {
    switch (event.type) {
      case 'event/connection-request':
        notifier.requested(event.peerId);
        return;
      case 'event/messages':
        for (const change of event.changes) {
          if (change.kind === 'added' && change.message.direction === 'in') {
            notifier.received(change.message.peerId, change.message.text, watch.label(change.message.peerId));
          }
        }
        return;
      case 'event/share-offer':
        void notifyShareOffer(event.share, watch.label(event.share.peerId));
        return;
      case 'event/state':
        return;
    }
  });
  browser.notifications.onButtonClicked.addListener(async (notificationId, buttonIndex) => {
    const requester = peerOfRequestNotification(notificationId);
    if (requester) {
      notifier.answered(requester);
      await host.command({ type: 'session/answer-connection', peerId: requester, accept: buttonIndex === 0 });
      return;
    }
    const shareId = shareOfNotification(notificationId);
    if (!shareId) return;
    clearShareOffer(shareId);
    if (buttonIndex === 0) await acceptShare(host, shareId);
    else await host.command({ type: 'session/share-answer', shareId, accept: false });
  });
}

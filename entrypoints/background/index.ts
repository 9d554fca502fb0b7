/**
 * Background service worker: the composition root for browser events. It keeps
 * the offscreen document (the peer host) alive, relays page commands to it, and
 * owns the context menus, keyboard shortcut, tab capture stream IDs,
 * notifications and badge. It holds no session state that matters: Chrome may
 * stop it at any time, and the peer host has the truth.
 */
import { browser } from 'wxt/browser';
import { errorText } from '@/components/error-text';
import { peerLabelIn } from '@/components/peer-label';
import { commandOffscreen, onSessionEvent, serve, type RuntimeLike } from '@/lib/messaging';
import type { SessionState } from '@/lib/protocol/runtime';
import { loadSessionSettings, touchTrustedPeers } from '@/lib/storage';
import { actionOfMenuItem, readSelection, updateSelectionMenu } from './menus';
import { createNotifier, notifySendFailed, peerOfRequestNotification, updateBadge } from './notify';
import { ensureOffscreen } from './offscreen';
import { syncSettings } from './settings-sync';
import {
  acceptShare,
  clearShareOffer,
  notifyShareFailed,
  notifyShareOffer,
  shareOfNotification,
  startShare,
} from './share';

export default defineBackground(() => {
  const runtime = browser.runtime as unknown as RuntimeLike;
  // A cache (labels, shared tabs); lost when the worker stops, refilled by the next event or asked for.
  let lastState: SessionState | undefined;

  const peerLabel = (peerId: string): string => peerLabelIn(lastState?.peers, peerId);
  // Texts and connection requests are coalesced there: no peer can flood the user.
  const notifier = createNotifier();
  browser.notifications.onClosed.addListener((notificationId) => notifier.closed(notificationId));

  async function currentState(): Promise<SessionState | undefined> {
    await ensureOffscreen();
    const reply = await commandOffscreen(runtime, { type: 'session/get-state', messages: false });
    return reply.ok ? reply.state : undefined;
  }

  serve(runtime, 'background', async (request) => {
    switch (request.type) {
      case 'background/get-settings':
        return { ok: true, settings: await loadSessionSettings() };
      case 'background/ensure-host':
        await ensureOffscreen();
        return { ok: true };
      case 'background/share': {
        const { type: _type, ...share } = request;
        return startShare(runtime, share);
      }
      case 'background/accept-share':
        return acceptShare(runtime, request.shareId);
    }
  });

  onSessionEvent(runtime, (event) => {
    switch (event.type) {
      case 'event/state': {
        // State events come about once a second during a share: act only on what changed.
        // After the worker restarted (no previous state), everything counts as changed once.
        const previous = lastState;
        lastState = event.state;
        void updateBadge(event.state);
        void updateSelectionMenu(event.state);
        const wasAsking = (id: string): boolean => !previous || previous.shares.some((s) => s.id === id && s.state === 'incoming');
        for (const share of event.state.shares) if (share.state !== 'incoming' && wasAsking(share.id)) clearShareOffer(share.id);
        const wasRequesting = (id: string): boolean => !previous || previous.peers.some((p) => p.id === id && p.waiting === 'our-answer');
        for (const peer of event.state.peers) if (peer.waiting !== 'our-answer' && wasRequesting(peer.id)) notifier.answered(peer.id);
        const connectedKey = (state: SessionState | undefined): string =>
          JSON.stringify(state?.peers.filter((p) => p.state === 'connected').map((p) => [p.id, p.name]) ?? null);
        if (connectedKey(previous) !== connectedKey(event.state)) {
          void touchTrustedPeers(event.state.peers.filter((peer) => peer.state === 'connected'));
        }
        return;
      }
      case 'event/connection-request':
        notifier.requested(event.peerId);
        return;
      case 'event/messages':
        for (const change of event.changes) {
          if (change.kind === 'added' && change.message.direction === 'in') {
            notifier.received(change.message.peerId, change.message.text, peerLabel(change.message.peerId));
          }
        }
        return;
      case 'event/share-offer':
        void notifyShareOffer(event.share, peerLabel(event.share.peerId));
        return;
    }
  });

  // Settings changed in the options page: hand them to the peer host, in order.
  syncSettings(runtime, ensureOffscreen);

  browser.runtime.onInstalled.addListener(() => void updateSelectionMenu(undefined));

  browser.contextMenus.onClicked.addListener(async (info, tab) => {
    const item = actionOfMenuItem(info.menuItemId);
    if (!item) return;
    if (item.action === 'share') {
      // The menu click is the user's invocation on this tab that tab capture requires.
      const reply = await startShare(runtime, { peerId: item.peerId, kind: 'tab', ...(tab?.id !== undefined ? { tabId: tab.id } : {}) });
      if (!reply.ok) await notifyShareFailed(reply.error);
      return;
    }
    const text = await readSelection(info, tab);
    await ensureOffscreen();
    const reply = await commandOffscreen(runtime, { type: 'session/send-text', peerId: item.peerId, text, keepOnFailure: true });
    if (!reply.ok) await notifySendFailed(item.peerId, errorText(reply.error));
  });

  // The shortcut shares the current tab with the peer connected most recently.
  browser.commands.onCommand.addListener(async (command, tab) => {
    if (command !== 'share-tab') return;
    const state = await currentState();
    const peerId = state?.lastPeerId;
    const connected = state?.peers.some((p) => p.id === peerId && p.state === 'connected');
    if (!peerId || !connected) {
      await notifyShareFailed('not-connected');
      return;
    }
    const tabId = tab?.id ?? (await browser.tabs.query({ active: true, lastFocusedWindow: true }))[0]?.id;
    const reply = await startShare(runtime, { peerId, kind: 'tab', ...(tabId !== undefined ? { tabId } : {}) });
    if (!reply.ok) await notifyShareFailed(reply.error);
  });

  browser.notifications.onButtonClicked.addListener(async (notificationId, buttonIndex) => {
    const requester = peerOfRequestNotification(notificationId);
    if (requester) {
      notifier.answered(requester);
      await ensureOffscreen();
      await commandOffscreen(runtime, { type: 'session/answer-connection', peerId: requester, accept: buttonIndex === 0 });
      return;
    }
    const shareId = shareOfNotification(notificationId);
    if (!shareId) return;
    clearShareOffer(shareId);
    if (buttonIndex === 0) await acceptShare(runtime, shareId);
    else await commandOffscreen(runtime, { type: 'session/share-answer', shareId, accept: false });
  });

  // Capture tracks end when a tab closes; this is the belt to that brace.
  browser.tabs.onRemoved.addListener((tabId) => {
    void (async () => {
      // A restarted worker has no cached state (Chrome stops it at will): ask the peer host.
      const state = lastState ?? (await currentState());
      if (!state?.shares.some((share) => share.tabId === tabId)) return;
      await commandOffscreen(runtime, { type: 'session/share-tab-closed', tabId });
    })();
  });

  // Every start of the worker (browser start, install, any event) makes sure the peer host runs.
  void ensureOffscreen().catch((error: unknown) => console.error('[secureconnect] offscreen document', error));
});

/**
 * Background service worker: the composition root for browser events. It keeps
 * the offscreen document (the peer host) alive, relays page commands to it, and
 * owns the context menu, notifications and badge. It holds no session state that
 * matters: Chrome may stop it at any time, and the peer host has the truth.
 */
import { browser } from 'wxt/browser';
import { errorText } from '@/components/error-text';
import { commandOffscreen, onSessionEvent, serve, type RuntimeLike } from '@/lib/messaging';
import type { SessionState } from '@/lib/protocol/runtime';
import { loadSessionSettings, SESSION_ITEMS } from '@/lib/storage';
import { notifyReceived, notifySendFailed, updateBadge } from './notify';
import { peerOfMenuItem, readSelection, updateSelectionMenu } from './menus';
import { ensureOffscreen } from './offscreen';

export default defineBackground(() => {
  const runtime = browser.runtime as unknown as RuntimeLike;
  // A cache for labels only; lost when the worker stops, refilled by the next event.
  let lastState: SessionState | undefined;

  serve(runtime, 'background', async (request) => {
    if (request.type === 'background/get-settings') {
      return { ok: true, settings: await loadSessionSettings() };
    }
    await ensureOffscreen();
    return commandOffscreen(runtime, request.command);
  });

  onSessionEvent(runtime, (event) => {
    if (event.type === 'event/state') {
      lastState = event.state;
      void updateBadge(event.state);
      void updateSelectionMenu(event.state);
    } else if (event.added && event.message.direction === 'in') {
      void notifyReceived(event.message, lastState);
    }
  });

  // Settings changed in the options page: hand them to the peer host.
  for (const item of SESSION_ITEMS) {
    item.watch(async () => {
      await ensureOffscreen();
      await commandOffscreen(runtime, { type: 'session/configure', settings: await loadSessionSettings() });
    });
  }

  browser.runtime.onInstalled.addListener(() => void updateSelectionMenu(undefined));

  browser.contextMenus.onClicked.addListener(async (info, tab) => {
    const peerId = peerOfMenuItem(info.menuItemId);
    if (!peerId) return;
    const text = await readSelection(info, tab);
    await ensureOffscreen();
    const reply = await commandOffscreen(runtime, { type: 'session/send-text', peerId, text, keepOnFailure: true });
    if (!reply.ok) await notifySendFailed(peerId, errorText(reply.error));
  });

  // Every start of the worker (browser start, install, any event) makes sure the peer host runs.
  void ensureOffscreen().catch((error: unknown) => console.error('[secureconnect] offscreen document', error));
});

/** The keyboard shortcut: share the current tab with the peer connected most recently. */
import { browser } from 'wxt/browser';
import type { HostClient } from './host-client';
import { notifyShareFailed, startShare } from './share';

/** Listens to `commands.onCommand` for `share-tab` (declared in wxt.config.ts). */
export function installShortcut(host: HostClient): void {
  browser.commands.onCommand.addListener(async (command, tab) => {
    if (command !== 'share-tab') return;
    const state = await host.state();
    const peerId = state?.lastPeerId;
    const connected = state?.peers.some((p) => p.id === peerId && p.state === 'connected');
    if (!peerId || !connected) {
      await notifyShareFailed('not-connected');
      return;
    }
    const tabId = tab?.id ?? (await browser.tabs.query({ active: true, lastFocusedWindow: true }))[0]?.id;
    const reply = await startShare(host, { peerId, kind: 'tab', ...(tabId !== undefined ? { tabId } : {}) });
    if (!reply.ok) await notifyShareFailed(reply.error);
  });
}

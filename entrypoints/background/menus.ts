/**
 * The "Send selection to" context menu: one item per connected peer, or a
 * disabled hint when none is connected.
 */
import { browser, type Browser } from 'wxt/browser';
import { i18n } from '#i18n';
import type { SessionState } from '@/lib/protocol/runtime';

const PARENT_ID = 'send-selection';
const NONE_ID = 'send-selection:none';
const PEER_PREFIX = 'send-selection:peer:';

let shownKey: string | undefined;
let rebuilding: Promise<void> = Promise.resolve();

function peerLabel(peer: SessionState['peers'][number]): string {
  return peer.name ? `${peer.name} (${peer.id})` : peer.id;
}

/**
 * Rebuilds the menu for the peers connected in `state`. Rebuilds run one at a
 * time; a rebuild is skipped when the connected peers did not change.
 */
export function updateSelectionMenu(state: Pick<SessionState, 'peers'> | undefined): Promise<void> {
  const connected = (state?.peers ?? []).filter((peer) => peer.state === 'connected');
  const key = JSON.stringify(connected.map((peer) => [peer.id, peer.name]));
  rebuilding = rebuilding.then(async () => {
    if (key === shownKey) return;
    shownKey = key;
    await browser.contextMenus.removeAll();
    browser.contextMenus.create({ id: PARENT_ID, title: i18n.t('menu.sendSelection'), contexts: ['selection'] });
    if (connected.length === 0) {
      browser.contextMenus.create({
        id: NONE_ID,
        parentId: PARENT_ID,
        title: i18n.t('menu.noPeers'),
        enabled: false,
        contexts: ['selection'],
      });
      return;
    }
    for (const peer of connected) {
      browser.contextMenus.create({
        id: `${PEER_PREFIX}${peer.id}`,
        parentId: PARENT_ID,
        title: peerLabel(peer),
        contexts: ['selection'],
      });
    }
  }).catch((error: unknown) => {
    shownKey = undefined;
    console.error('[secureconnect] context menu update failed', error);
  });
  return rebuilding;
}

/** The peer a menu item sends to, or `undefined` for other items. */
export function peerOfMenuItem(menuItemId: string | number): string | undefined {
  const id = String(menuItemId);
  return id.startsWith(PEER_PREFIX) ? id.slice(PEER_PREFIX.length) : undefined;
}

/**
 * The selected text, exactly: `info.selectionText` collapses white space, so we
 * read `getSelection()` in the frame (the menu click grants `activeTab`), and fall
 * back to `selectionText` where scripts cannot run.
 */
export async function readSelection(info: Browser.contextMenus.OnClickData, tab: Browser.tabs.Tab | undefined): Promise<string> {
  const fallback = info.selectionText ?? '';
  if (tab?.id === undefined) return fallback;
  try {
    const [result] = await browser.scripting.executeScript({
      target: { tabId: tab.id, frameIds: [info.frameId ?? 0] },
      func: () => globalThis.getSelection?.()?.toString() ?? '',
    });
    const text = result?.result;
    return typeof text === 'string' && text.trim() !== '' ? text : fallback;
  } catch (error) {
    console.warn('[secureconnect] could not read the selection; using selectionText', error);
    return fallback;
  }
}

/**
 * The "Send selection to" context menu: one item per connected peer, or a
 * disabled hint when none is connected.
 */
import { browser, type Browser } from 'wxt/browser';
import { i18n } from '#i18n';
import { errorText } from '@/components/error-text';
import { peerLabel } from '@/components/peer-label';
import type { SessionState } from '@/lib/protocol/runtime';
import type { HostClient } from './host-client';
import { notifySendFailed } from './notify';
import { notifyShareFailed, startShare } from './share';

const PARENT_ID = 'send-selection';
const NONE_ID = 'send-selection:none';
const PEER_PREFIX = 'send-selection:peer:';
const SHARE_PARENT_ID = 'share-tab';
const SHARE_NONE_ID = 'share-tab:none';
const SHARE_PEER_PREFIX = 'share-tab:peer:';

type MenuContext = 'selection' | 'page' | 'image' | 'video' | 'audio';
/** Where "Share this tab with" shows: the page and its media (people right-click the video they want to share). */
const SHARE_CONTEXTS: MenuContext[] = ['page', 'image', 'video', 'audio'];

let shownKey: string | undefined;
let rebuilding: Promise<void> = Promise.resolve();

/** One parent item with a child per connected peer, or a disabled hint. */
function createPeerMenu(
  parent: { id: string; title: string; contexts: MenuContext[] },
  noneId: string,
  peerPrefix: string,
  connected: SessionState['peers'],
): void {
  const contexts = parent.contexts as [MenuContext, ...MenuContext[]];
  browser.contextMenus.create({ id: parent.id, title: parent.title, contexts });
  if (connected.length === 0) {
    browser.contextMenus.create({ id: noneId, parentId: parent.id, title: i18n.t('menu.noPeers'), enabled: false, contexts });
    return;
  }
  for (const peer of connected) {
    browser.contextMenus.create({ id: `${peerPrefix}${peer.id}`, parentId: parent.id, title: peerLabel(peer.id, peer.name), contexts });
  }
}

/**
 * Rebuilds the menus for the peers connected in `state`: "Send selection to"
 * on selected text, "Share this tab with" on the page. Each context shows one
 * top-level item, so Chrome does not fold them under the extension's name.
 * Rebuilds run one at a time; a rebuild is skipped when the connected peers did not change.
 */
export function updateSelectionMenu(state: Pick<SessionState, 'peers'> | undefined): Promise<void> {
  const connected = (state?.peers ?? []).filter((peer) => peer.state === 'connected');
  const key = JSON.stringify(connected.map((peer) => [peer.id, peer.name]));
  rebuilding = rebuilding.then(async () => {
    if (key === shownKey) return;
    shownKey = key;
    await browser.contextMenus.removeAll();
    createPeerMenu({ id: PARENT_ID, title: i18n.t('menu.sendSelection'), contexts: ['selection'] }, NONE_ID, PEER_PREFIX, connected);
    createPeerMenu({ id: SHARE_PARENT_ID, title: i18n.t('menu.shareTab'), contexts: SHARE_CONTEXTS }, SHARE_NONE_ID, SHARE_PEER_PREFIX, connected);
  }).catch((error: unknown) => {
    shownKey = undefined;
    console.error('[secureconnect] context menu update failed', error);
  });
  return rebuilding;
}

/** What a menu item does: send the selection to a peer, share the tab with a peer, or nothing. */
export function actionOfMenuItem(menuItemId: string | number): { action: 'send' | 'share'; peerId: string } | undefined {
  const id = String(menuItemId);
  if (id.startsWith(PEER_PREFIX)) return { action: 'send', peerId: id.slice(PEER_PREFIX.length) };
  if (id.startsWith(SHARE_PEER_PREFIX)) return { action: 'share', peerId: id.slice(SHARE_PEER_PREFIX.length) };
  return undefined;
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

/** Wires the menus: built when installed (rebuilt by each state, see state-watch.ts), and their clicks. */
export function installMenus(host: HostClient): void {
  browser.runtime.onInstalled.addListener(() => void updateSelectionMenu(undefined));
  browser.contextMenus.onClicked.addListener(async (info, tab) => {
    const item = actionOfMenuItem(info.menuItemId);
    if (!item) return;
    if (item.action === 'share') {
      // The menu click is the user's invocation on this tab that tab capture requires.
      const reply = await startShare(host, { peerId: item.peerId, kind: 'tab', ...(tab?.id !== undefined ? { tabId: tab.id } : {}) });
      if (!reply.ok) await notifyShareFailed(reply.error);
      return;
    }
    const text = await readSelection(info, tab);
    const reply = await host.command({ type: 'session/send-text', peerId: item.peerId, text, keepOnFailure: true });
    if (!reply.ok) await notifySendFailed(item.peerId, errorText(reply.error));
  });
}

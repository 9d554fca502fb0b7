/** Which tab "Share this tab" means, seen from the popup. */
import { browser } from 'wxt/browser';

/**
 * The tab to share: the active tab of the popup's window. When the popup is
 * open as a tab of its own (pinned, or opened by URL), the tab used just before it.
 */
export async function tabToShare(): Promise<number | undefined> {
  const self = await browser.tabs.getCurrent();
  if (!self) {
    const [active] = await browser.tabs.query({ active: true, currentWindow: true });
    return active?.id;
  }
  const tabs = await browser.tabs.query({ windowId: self.windowId });
  const others = tabs.filter((tab) => tab.id !== self.id).sort((a, b) => (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0));
  return others[0]?.id;
}

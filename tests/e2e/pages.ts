/** Page objects of the extension's pages, driven by their `data-testid` hooks. */
import type { Page } from 'playwright-core';

/** Page object of the popup, driven by its `data-testid` hooks. */
export class PopupPage {
  constructor(readonly page: Page) {}

  /** Waits until registered with the PeerServer; returns the peer ID shown. */
  async waitOnline(timeout = 20_000): Promise<string> {
    await this.page.locator('[data-testid="server-status"][data-status="online"]').waitFor({ timeout });
    return (await this.page.getByTestId('my-peer-id').textContent())!.trim();
  }

  serverStatus() {
    return this.page.getByTestId('server-status');
  }

  peerItem(peerId: string) {
    return this.page.locator(`[data-testid="peer-item"][data-peer-id="${peerId}"]`);
  }

  /** Waits until `peerId` is listed with `state`. */
  async waitPeer(peerId: string, state: 'connecting' | 'connected' | 'disconnected', timeout = 15_000): Promise<void> {
    await this.page.locator(`[data-testid="peer-item"][data-peer-id="${peerId}"][data-state="${state}"]`).waitFor({ timeout });
  }

  /**
   * Waits until the popup shows the connection to `peerId` as lost: not connected, with a
   * recorded drop. After a loss the product redials by itself, so the state itself flips
   * between disconnected and connecting; the drop mark stays until the peer is back.
   */
  async waitLost(peerId: string, timeout = 15_000): Promise<void> {
    await this.page
      .locator(`[data-testid="peer-item"][data-peer-id="${peerId}"][data-drop-at]:not([data-state="connected"])`)
      .waitFor({ timeout });
  }

  async connect(peerId: string): Promise<void> {
    await this.page.getByTestId('peer-id-input').fill(peerId);
    await this.page.getByTestId('connect-button').click();
  }

  /** Answers the connection request of `peerId` (an untrusted peer asks first). */
  async answerRequest(peerId: string, answer: 'accept' | 'decline' | 'block' = 'accept', timeout = 15_000): Promise<void> {
    await this.peerItem(peerId).getByTestId(`consent-${answer}`).click({ timeout });
  }

  /** Types `text` and presses Send; the target is the selected peer. */
  async send(text: string): Promise<void> {
    await this.page.getByTestId('text-input').fill(text);
    await this.page.getByTestId('send-text-button').click();
  }

  messages(direction?: 'in' | 'out') {
    return this.page.locator(direction ? `[data-testid="message"][data-direction="${direction}"]` : '[data-testid="message"]');
  }

  /** Texts of the messages in one direction, oldest first. */
  async texts(direction: 'in' | 'out'): Promise<string[]> {
    const texts = await this.messages(direction).getByTestId('message-text').allTextContents();
    return texts.reverse();
  }

  error() {
    return this.page.getByTestId('error');
  }

  /** Opens the connection panel of `peerId` (if closed) and returns it. */
  async linkPanel(peerId: string) {
    const panel = this.peerItem(peerId).getByTestId('link-panel');
    if (!(await panel.isVisible())) await this.peerItem(peerId).getByTestId('link-details').click();
    await panel.waitFor();
    return panel;
  }

  /** The newest share in the list with this direction and (optionally) state. */
  share(direction: 'in' | 'out', state?: string) {
    const stateSelector = state ? `[data-state="${state}"]` : '';
    return this.page.locator(`[data-testid="share-item"][data-direction="${direction}"]${stateSelector}`).last();
  }
}

/** Figures the viewer's overlay shows, read from its data attributes. */
export interface ViewerFigures {
  width: number;
  height: number;
  fps: number;
  framesDecoded: number;
  audioEnergy: number;
  kbps: number;
}

/** Page object of the viewer. */
export class ViewerPage {
  constructor(readonly page: Page) {}

  async figures(): Promise<ViewerFigures> {
    const stats = this.page.getByTestId('viewer-stats');
    await stats.waitFor({ timeout: 15_000 });
    const read = async (name: string): Promise<number> => Number(await stats.getAttribute(`data-${name}`));
    return {
      width: await read('width'),
      height: await read('height'),
      fps: await read('fps'),
      framesDecoded: await read('frames-decoded'),
      audioEnergy: await read('audio-energy'),
      kbps: await read('kbps'),
    };
  }

  ended() {
    return this.page.getByTestId('share-ended');
  }
}

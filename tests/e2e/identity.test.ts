/**
 * The persistent DTLS identity: one certificate, kept in IndexedDB, the same
 * after the offscreen document that holds the peer is closed and recreated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, User, type ServerProcess } from './harness';

describe('persistent DTLS certificate', () => {
  let server: ServerProcess;
  let user: User;

  beforeAll(async () => {
    server = await startServer();
    user = await User.launch('erin');
    await user.useServer(server.port);
  });

  afterAll(async () => {
    await user?.close();
    await server?.kill();
  });

  async function shownFingerprint(): Promise<string> {
    const page = await user.openExtensionPage('options.html');
    const shown = page.getByTestId('my-fingerprint');
    await expect.poll(() => shown.textContent(), { timeout: 10_000 }).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const text = (await shown.textContent())!;
    await page.close();
    return text;
  }

  it('shows the same fingerprint after the offscreen document is recreated', async () => {
    const before = await shownFingerprint();
    const popup = await user.openPopup();
    const id = await popup.waitOnline();

    // Chrome may close an offscreen document; the background recreates it on the next command.
    const worker = await user.serviceWorker();
    await worker.evaluate(() => chrome.offscreen.closeDocument());
    await expect.poll(() => worker.evaluate(async () => (await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT] })).length)).toBe(0);

    expect(await shownFingerprint()).toBe(before);
    // The peer host came back under the same peer ID.
    await expect(popup.waitOnline()).resolves.toBe(id);
  });
});

/**
 * A popup opened while SecureConnect is still starting (issue 11): right after the
 * browser starts, and right after Chrome stopped the service worker. It shows
 * "Starting…" and then the state, never an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, TEST_EXTENSION_ID, User, type PopupPage, type ServerProcess } from './harness';

/** Watches `popup` until it is online: every error it showed on the way, and how long it took (ms). */
async function watchUntilOnline(popup: PopupPage, timeout = 30_000): Promise<{ errors: string[]; onlineAfter: number }> {
  const started = Date.now();
  const errors = new Set<string>();
  const online = popup.page.locator('[data-testid="server-status"][data-status="online"]');
  while (Date.now() - started < timeout) {
    const error = popup.error();
    if (await error.isVisible().catch(() => false)) errors.add((await error.textContent().catch(() => '')) ?? '');
    if (await online.isVisible().catch(() => false)) return { errors: [...errors], onlineAfter: Date.now() - started };
    await new Promise((done) => setTimeout(done, 30));
  }
  return { errors: [...errors], onlineAfter: Number.POSITIVE_INFINITY };
}

describe('a page opened while SecureConnect starts', () => {
  let server: ServerProcess;
  let user: User;

  beforeAll(async () => {
    server = await startServer();
    user = await User.launch('early');
    await user.useServer(server.port);
    await (await user.openPopup()).waitOnline();
  });

  afterAll(async () => {
    await user?.close();
    await server?.kill();
  });

  it('at once after the browser starts: "Starting…", then online, never an error', async () => {
    for (let round = 0; round < 3; round++) {
      await user.restart();
      const popup = await user.openPopup();
      const { errors, onlineAfter } = await watchUntilOnline(popup);
      console.log(`[figure] popup opened at browser start, round ${round + 1}: online after ${onlineAfter} ms; errors shown: ${JSON.stringify(errors)}`);
      expect(errors, 'errors the popup showed while starting').toEqual([]);
      expect(onlineAfter, 'ms until online').toBeLessThan(30_000);
    }
  });

  it('at once after Chrome stopped the service worker: never an error, online', async () => {
    const first = await user.openPopup();
    await first.waitOnline();
    const cdp = await user.context.newCDPSession(first.page);
    await cdp.send('ServiceWorker.enable');
    for (let round = 0; round < 3; round++) {
      await cdp.send('ServiceWorker.stopAllWorkers');
      const popup = await user.openPopup();
      const { errors, onlineAfter } = await watchUntilOnline(popup);
      console.log(`[figure] popup opened after the worker stopped, round ${round + 1}: online after ${onlineAfter} ms; errors shown: ${JSON.stringify(errors)}`);
      expect(errors, 'errors the popup showed').toEqual([]);
      expect(onlineAfter, 'ms until online').toBeLessThan(30_000);
      await popup.page.close();
    }
  });

  it('while the offscreen document is closed and made anew: the open popup never shows an error and is online again', async () => {
    const popup = await user.openPopup();
    const peerId = await popup.waitOnline();
    const worker = await user.serviceWorker();
    const hosts = (): Promise<number> =>
      worker.evaluate(() => chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT] }).then((c) => c.length));
    const online = popup.page.locator('[data-testid="server-status"][data-status="online"]');
    for (let round = 0; round < 3; round++) {
      // As Chrome may close it (or a crash ends it): the popup's line goes down with it.
      await worker.evaluate(() => chrome.offscreen.closeDocument());
      const closedAt = Date.now();
      // The popup no longer claims a PeerServer connection that went with the document.
      await popup.page.locator('[data-testid="server-status"]:not([data-status="online"])').waitFor({ timeout: 5000 });
      // Nothing but the popup's line asks for a new one.
      const errors = new Set<string>();
      let back = Number.POSITIVE_INFINITY;
      while (Date.now() - closedAt < 15_000) {
        if (await popup.error().isVisible()) errors.add((await popup.error().textContent()) ?? '');
        if ((await hosts()) === 1 && (await online.isVisible())) {
          back = Date.now() - closedAt;
          break;
        }
        await new Promise((done) => setTimeout(done, 20));
      }
      console.log(`[figure] offscreen document closed under an open popup, round ${round + 1}: made anew and online after ${back} ms; errors shown: ${JSON.stringify([...errors])}`);
      expect(back, 'ms until the host runs again and the popup is online').toBeLessThan(15_000);
      expect(errors, 'errors the popup showed').toEqual(new Set());
      expect(await popup.waitOnline(), 'the peer ID the new host registered').toBe(peerId);
    }
    await popup.page.close();
  });

  it('the options page shows the state without ever loading the history', async () => {
    const page = await user.context.newPage();
    // Records what the page says on its line to the peer host, before any of its scripts runs.
    await page.addInitScript(() => {
      const said: Array<{ type?: string; history?: boolean; command?: { type?: string; messages?: boolean } }> = [];
      (window as unknown as { said: unknown[] }).said = said;
      type Port = { postMessage(message: unknown): void };
      const connect = chrome.runtime.connect.bind(chrome.runtime) as (info: unknown) => Port;
      (chrome.runtime as unknown as { connect: (info: unknown) => Port }).connect = (info) => {
        const port = connect(info);
        const post = port.postMessage.bind(port);
        port.postMessage = (message: unknown) => {
          said.push(message as (typeof said)[number]);
          post(message);
        };
        return port;
      };
    });
    await page.goto(`chrome-extension://${TEST_EXTENSION_ID}/options.html`);
    type Said = Array<{ type?: string; history?: boolean; command?: { type?: string; messages?: boolean } }>;
    const said = (): Promise<Said> => page.evaluate(() => (window as unknown as { said: Said }).said);
    // It asks for the state as soon as its line is up.
    await expect.poll(async () => (await said()).filter((m) => m.command?.type === 'session/get-state').length).toBeGreaterThan(0);
    const all = await said();
    expect(all.filter((m) => m.type === 'line/hello').map((m) => m.history), 'the history flag of its hello').toEqual([false]);
    const asked = all.filter((m) => m.command?.type === 'session/get-state');
    expect(asked.map((m) => m.command?.messages), 'the messages flag of every get-state the page sent').toEqual(asked.map(() => false));
    await page.close();
  });
});

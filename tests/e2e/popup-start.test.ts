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

  it('the options page shows the state without ever loading the history', async () => {
    const page = await user.context.newPage();
    // Records what the page asks the peer host for, before any of its scripts runs.
    await page.addInitScript(() => {
      const asked: unknown[] = [];
      (window as unknown as { asked: unknown[] }).asked = asked;
      const send = chrome.runtime.sendMessage.bind(chrome.runtime) as (message: unknown) => Promise<unknown>;
      (chrome.runtime as unknown as { sendMessage: (message: unknown) => Promise<unknown> }).sendMessage = (message) => {
        const command = (message as { body?: { command?: { type?: string } } }).body?.command;
        if (command?.type === 'session/get-state') asked.push(command);
        return send(message);
      };
    });
    await page.goto(`chrome-extension://${TEST_EXTENSION_ID}/options.html`);
    // It asks for the state as soon as it opens.
    await expect.poll(() => page.evaluate(() => (window as unknown as { asked: unknown[] }).asked.length)).toBeGreaterThan(0);
    const asked = await page.evaluate(() => (window as unknown as { asked: Array<{ messages?: boolean }> }).asked);
    expect(asked.map((command) => command.messages), 'the messages flag of every get-state the page sent').toEqual(asked.map(() => false));
    await page.close();
  });
});

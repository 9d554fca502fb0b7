/**
 * A plain web page with the stock PeerJS bundle, written from docs/protocol.md
 * only, talks to an extension user.
 */
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startServer, startStaticServer, User, type PopupPage, type ServerProcess } from './harness';

describe('a plain PeerJS web page talks to the extension', () => {
  let server: ServerProcess;
  let web: Awaited<ReturnType<typeof startStaticServer>>;
  let user: User;
  let popup: PopupPage;
  let userId: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    server = await startServer();
    web = await startStaticServer({
      '/': resolve('tests/e2e/fixtures/web-peer.html'),
      '/peerjs.min.js': resolve('node_modules/peerjs/dist/peerjs.min.js'),
    });
    user = await User.launch('dave');
    await user.useServer(server.port);
    popup = await user.openPopup();
    userId = await popup.waitOnline();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage();
    await page.goto(web.url);
  });

  afterAll(async () => {
    await browser?.close();
    await user?.close();
    await web?.close();
    await server?.kill();
  });

  it('connects by ID and exchanges text both ways', async () => {
    // The page's connection opens only once the extension's user accepts: nothing is answered before.
    const opened = page.evaluate((o) => (window as unknown as { startPeer(o: object): Promise<void> }).startPeer(o), {
      id: 'plain-web-page',
      host: '127.0.0.1',
      port: server.port,
      target: userId,
    });
    // The extension's user does not know this page: asked first, accepts.
    await popup.answerRequest('plain-web-page');
    await opened;
    await popup.waitPeer('plain-web-page', 'connected', 10_000);
    // The page's hello gave its display name; it exchanges no verification code, and the popup says so.
    await expect.poll(() => popup.peerItem('plain-web-page').textContent()).toContain('Plain page');
    await popup.peerItem('plain-web-page').locator('[data-testid="peer-sas"][data-state="unsupported"]').waitFor({ timeout: 15_000 });

    await page.evaluate(() => (window as unknown as { sendInvalid(): void }).sendInvalid());
    const text = 'From the web: Grüße, Привет, درود 🌍';
    await page.evaluate((t) => (window as unknown as { sendText(id: string, t: string): void }).sendText('w1', t), text);
    await expect.poll(() => popup.texts('in'), { timeout: 10_000 }).toEqual([text]);
    // The extension acknowledged it.
    await expect.poll(() => page.locator('#acked li').allTextContents()).toEqual(['w1']);

    await popup.send('Reply from the extension ✨');
    await expect.poll(() => page.locator('#received li').allTextContents(), { timeout: 10_000 }).toEqual(['Reply from the extension ✨']);
    await expect.poll(() => popup.messages('out').first().getAttribute('data-status')).toBe('delivered');
    // The invalid messages were dropped, not shown.
    await expect(popup.texts('in')).resolves.toEqual([text]);
  });
});

/**
 * Right-click and the keyboard shortcut, as a person does them: a headed Chromium under Xvfb, the real
 * native context menu, keys sent by xdotool (Playwright's keyboard cannot reach
 * native menus).
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startPair,
  startStaticServer,
  startXvfb,
  ViewerPage,
  xdotool,
  type Pair,
  type PopupPage,
  type User,
  type XDisplay,
} from './harness';

describe('real invocations in a headed browser: context menus and the shortcut', () => {
  let x: XDisplay;
  let pair: Pair;
  let web: Awaited<ReturnType<typeof startStaticServer>>;
  let alice: User;
  let bob: User;
  let alicePopup: PopupPage;
  let bobPopup: PopupPage;

  beforeAll(async () => {
    x = await startXvfb();
    web = await startStaticServer({
      '/': resolve('tests/e2e/fixtures/selection.html'),
      '/motion': resolve('tests/e2e/fixtures/motion.html'),
    });
    // A is headed, without --allowlisted-extension-id: tab capture works only through a real invocation.
    pair = await startPair({
      alice: { headless: false, env: { DISPLAY: x.display } },
      bob: { extraArgs: ['--autoplay-policy=no-user-gesture-required'] },
      connect: true,
    });
    ({ alice, bob, alicePopup, bobPopup } = pair);
  });

  afterAll(async () => {
    await pair?.close();
    await web?.close();
    await x?.stop();
  });

  it('"Send selection to" > B delivers the selected text exactly', async () => {
    const page = await alice.context.newPage();
    await page.goto(web.url);
    await page.bringToFront();
    const expected = await page.locator('#quote').textContent();
    // Select the paragraph the way a triple-click would, then right-click on it.
    await page.locator('#quote').click({ clickCount: 3 });
    const selected = await page.evaluate(() => getSelection()?.toString() ?? '');
    expect(selected.trim()).toBe(expected);
    const box = (await page.locator('#quote').boundingBox())!;
    await page.mouse.click(box.x + 60, box.y + box.height / 2, { button: 'right' });
    // Native menu: Up selects the last item (Inspect); the extension's item sits just above it.
    for (const key of ['Up', 'Up', 'Right', 'Return']) {
      await new Promise((r) => setTimeout(r, 300));
      await xdotool(x.display, 'key', key);
    }
    await expect.poll(() => bobPopup.texts('in'), { timeout: 10_000 }).toEqual([selected]);
    // The sender's history shows it as delivered.
    await expect.poll(() => alicePopup.messages('out').first().getAttribute('data-status'), { timeout: 10_000 }).toBe('delivered');
  });

  it('"Share this tab with" > B: B receives video', async () => {
    const page = await alice.context.newPage();
    await page.goto(`${web.url}/motion`);
    await page.bringToFront();
    // Right-click on the page (its header, not the canvas, which is media to Chromium):
    // "Share this tab with" sits above View page source and Inspect.
    const header = (await page.locator('#header').boundingBox())!;
    await page.mouse.click(header.x + header.width - 100, header.y + header.height / 2, { button: 'right' });
    for (const key of ['Up', 'Up', 'Up', 'Right', 'Return']) {
      await new Promise((r) => setTimeout(r, 300));
      await xdotool(x.display, 'key', key);
    }
    const offer = bobPopup.share('in', 'incoming');
    await offer.waitFor({ timeout: 10_000 });
    const opened = bob.context.waitForEvent('page');
    await offer.getByTestId('share-accept').click();
    const viewer = new ViewerPage(await opened);
    const first = await viewer.figures();
    await expect.poll(async () => (await viewer.figures()).framesDecoded, { timeout: 15_000 }).toBeGreaterThan(first.framesDecoded + 10);
    await alicePopup.share('out', 'live').getByTestId('share-stop').click();
    await viewer.ended().waitFor({ timeout: 5000 });
    await viewer.page.close();
    await page.close();
  });

  it('the keyboard shortcut (Alt+Shift+S) shares the current tab with the most recent peer', async () => {
    const page = await alice.context.newPage();
    await page.goto(`${web.url}/motion`);
    await page.bringToFront();
    await page.click('body');
    await xdotool(x.display, 'key', '--clearmodifiers', 'alt+shift+s');
    const offer = bobPopup.share('in', 'incoming');
    await offer.waitFor({ timeout: 10_000 });
    await offer.getByTestId('share-decline').click();
    await alicePopup.share('out', 'declined').waitFor({ timeout: 5000 });
    await page.close();
  });
});

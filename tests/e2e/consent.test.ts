/**
 * Consent: nothing connects without the user's yes, blocked peers are refused
 * silently, trusted peers connect without asking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPair, User, type Pair } from './harness';

describe('consent before connecting', () => {
  let pair: Pair;

  beforeAll(async () => {
    pair = await startPair();
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('an untrusted incoming connection waits for consent; Decline refuses it and A is told', async () => {
    const { alicePopup, bobPopup, aliceId, bobId } = pair;
    await alicePopup.connect(bobId);
    await bobPopup.peerItem(aliceId).getByTestId('consent-request').waitFor({ timeout: 15_000 });
    await alicePopup.peerItem(bobId).getByTestId('consent-waiting').waitFor();
    // While waiting, A cannot send: B has not said yes.
    await expect(alicePopup.page.getByTestId('send-text-button').isDisabled()).resolves.toBe(true);
    // B is asked by notification too.
    const worker = await pair.bob.serviceWorker();
    await expect.poll(() => worker.evaluate(async () => Object.keys(await chrome.notifications.getAll()))).toContainEqual(`conn-request:${aliceId}`);

    await bobPopup.answerRequest(aliceId, 'decline');
    await expect.poll(() => alicePopup.error().textContent(), { timeout: 10_000 }).toContain('did not accept');
    await expect(bobPopup.peerItem(aliceId).count()).resolves.toBe(0);
    await expect(alicePopup.peerItem(bobId).count()).resolves.toBe(0);

    // A declined ID that asks again at once is refused without a new prompt (a flood of prompts otherwise).
    await alicePopup.page.getByTestId('error').getByRole('button').click();
    await alicePopup.connect(bobId);
    await expect.poll(() => alicePopup.error().textContent(), { timeout: 10_000 }).toContain('did not accept');
    await expect(bobPopup.page.getByTestId('consent-request').count()).resolves.toBe(0);
  });

  it('a blocked peer is refused without asking', async () => {
    const { bobPopup, bobId } = pair;
    const carol = await User.launch('carol');
    try {
      await carol.useServer(pair.server.port);
      const carolPopup = await carol.openPopup();
      const carolId = await carolPopup.waitOnline();
      await carolPopup.connect(bobId);
      await bobPopup.answerRequest(carolId, 'block');
      await expect.poll(() => carolPopup.error().textContent(), { timeout: 10_000 }).toContain('did not accept');
      const options = await pair.bob.openExtensionPage('options.html');
      await options.locator(`[data-testid="blocked-item"][data-peer-id="${carolId}"]`).waitFor();
      await options.close();

      // Next time B's side refuses at once, and B is not asked: C only learns that it did not get through.
      await carolPopup.page.getByTestId('error').getByRole('button').click();
      await carolPopup.connect(bobId);
      await carolPopup.error().waitFor({ timeout: 20_000 });
      await expect(carolPopup.peerItem(bobId).count()).resolves.toBe(0);
      await expect(bobPopup.peerItem(carolId).count()).resolves.toBe(0);
      await expect(bobPopup.page.getByTestId('consent-request').count()).resolves.toBe(0);
    } finally {
      await carol.close();
    }
  });

  it('a trusted peer connects without asking', async () => {
    const { alicePopup, bobPopup, aliceId, bobId } = pair;
    const options = await pair.bob.openExtensionPage('options.html');
    await options.getByTestId('add-trusted-input').fill(aliceId);
    await options.getByTestId('add-trusted').click();
    await options.locator(`[data-testid="trusted-item"][data-peer-id="${aliceId}"]`).waitFor();
    await options.close();
    // The new lists reach B's peer host through the background a moment later (longer on a
    // busy machine). Until then B still refuses A, declined a moment ago, and A is told so:
    // as a person would, A tries again after a second, for at most 15 s.
    const connected = alicePopup.page.locator(`[data-testid="peer-item"][data-peer-id="${bobId}"][data-state="connected"]`);
    const until = Date.now() + 15_000;
    for (let attempt = 1; !(await connected.isVisible()); attempt++) {
      expect(Date.now(), `A connected to the trusting B within 15 s (attempt ${attempt})`).toBeLessThan(until);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const error = alicePopup.page.getByTestId('error');
      if (await error.isVisible()) await error.getByRole('button').click();
      if (attempt === 1 || (await alicePopup.peerItem(bobId).count()) === 0) await alicePopup.connect(bobId);
      await alicePopup.waitPeer(bobId, 'connected', 3000).catch(() => {});
    }
    await bobPopup.waitPeer(aliceId, 'connected');
    await expect(bobPopup.peerItem(aliceId).getByTestId('consent-request').count()).resolves.toBe(0);
    // The trusted list shows when A was last seen.
    const after = await pair.bob.openExtensionPage('options.html');
    await expect
      .poll(() => after.locator(`[data-testid="trusted-item"][data-peer-id="${aliceId}"]`).getByTestId('trusted-last-seen').textContent())
      .toContain('last seen');
    await after.close();
  });
});

describe('consent outlives the peer host, while the browser runs', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair({ connect: true });
  });
  afterAll(async () => pair?.close());

  it('B\'s offscreen document is made anew: A, accepted before, reconnects without a new prompt', async () => {
    const { alicePopup, bobPopup, aliceId, bobId } = pair;
    await bobPopup.waitPeer(aliceId, 'connected');
    const worker = await pair.bob.serviceWorker();
    // As Chrome may close it: the connection goes with it, and A dials again.
    await worker.evaluate(() => chrome.offscreen.closeDocument());
    const prompts = new Set<boolean>();
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      prompts.add(await bobPopup.page.getByTestId('consent-request').isVisible());
      if ((await bobPopup.peerItem(aliceId).getAttribute('data-state').catch(() => null)) === 'connected') break;
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(prompts.has(true), 'B was asked again about A').toBe(false);
    await bobPopup.waitPeer(aliceId, 'connected', 1000);
    await alicePopup.waitPeer(bobId, 'connected');
    await alicePopup.send('after the host came back');
    await expect.poll(() => bobPopup.texts('in'), { timeout: 10_000 }).toContain('after the host came back');
  });
});

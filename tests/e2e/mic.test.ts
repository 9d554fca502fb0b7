/**
 * Talking with the microphone: Chromium's fake audio device stands in for a
 * real one (a separate launch: the fake-UI flag breaks tab capture).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPair, ViewerPage, type Pair, type PopupPage, type User } from './harness';

describe('talk with the microphone', () => {
  let pair: Pair;
  let bob: User;
  let alicePopup: PopupPage;
  let bobPopup: PopupPage;

  beforeAll(async () => {
    pair = await startPair({
      alice: { unmuted: true, extraArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] },
      bob: { unmuted: true, extraArgs: ['--autoplay-policy=no-user-gesture-required'] },
      connect: true,
    });
    ({ bob, alicePopup, bobPopup } = pair);
  });

  afterAll(async () => {
    await pair?.close();
  });

  it('B accepts and receives audio with energy in a compact player', async () => {
    await alicePopup.page.getByTestId('share-mic').click();
    const offer = bobPopup.share('in', 'incoming');
    await offer.waitFor({ timeout: 10_000 });
    await expect(offer.textContent()).resolves.toContain('microphone');
    const opened = bob.context.waitForEvent('page');
    await offer.getByTestId('share-accept').click();
    const viewer = new ViewerPage(await opened);
    // Audio-only shares get an <audio> player, not a video stage.
    await viewer.page.locator('audio[data-testid="viewer-media"]').waitFor({ state: 'attached' });
    await expect(viewer.page.locator('video').count()).resolves.toBe(0);
    const first = await viewer.figures();
    await expect.poll(async () => (await viewer.figures()).audioEnergy, { timeout: 10_000 }).toBeGreaterThan(first.audioEnergy);
    await alicePopup.share('out', 'live').waitFor();

    // B closes the viewer: the share ends for both sides.
    await viewer.page.close();
    await alicePopup.share('out', 'ended').waitFor({ timeout: 5000 });
  });
});

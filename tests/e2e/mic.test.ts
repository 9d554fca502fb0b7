/**
 * Talking with the microphone: Chromium's fake audio device stands in for a
 * real one (a separate launch: the fake-UI flag breaks tab capture).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, User, ViewerPage, type PopupPage, type ServerProcess } from './harness';

describe('talk with the microphone', () => {
  let server: ServerProcess;
  let alice: User;
  let bob: User;
  let alicePopup: PopupPage;
  let bobPopup: PopupPage;
  let bobId: string;

  beforeAll(async () => {
    server = await startServer();
    [alice, bob] = await Promise.all([
      User.launch('alice-mic', {
        unmuted: true,
        extraArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
      }),
      User.launch('bob-mic', { unmuted: true, extraArgs: ['--autoplay-policy=no-user-gesture-required'] }),
    ]);
    await Promise.all([alice.useServer(server.port), bob.useServer(server.port)]);
    [alicePopup, bobPopup] = await Promise.all([alice.openPopup(), bob.openPopup()]);
    [, bobId] = await Promise.all([alicePopup.waitOnline(), bobPopup.waitOnline()]);
    await alicePopup.connect(bobId);
    await alicePopup.peerItem(bobId).and(alicePopup.page.locator('[data-state="connected"]')).waitFor({ timeout: 15_000 });
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.kill();
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

/**
 * Two users connect by peer ID in their popups and exchange text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, User, type PopupPage, type ServerProcess } from './harness';

describe('two users exchange text', () => {
  let server: ServerProcess;
  let alice: User;
  let bob: User;
  let alicePopup: PopupPage;
  let bobPopup: PopupPage;
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    server = await startServer();
    [alice, bob] = await Promise.all([User.launch('alice'), User.launch('bob')]);
    await Promise.all([alice.useServer(server.port), bob.useServer(server.port)]);
    [alicePopup, bobPopup] = await Promise.all([alice.openPopup(), bob.openPopup()]);
    [aliceId, bobId] = await Promise.all([alicePopup.waitOnline(), bobPopup.waitOnline()]);
  });

  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()]);
    await server?.kill();
  });

  it('connects A to B by ID; both popups show the other as connected', async () => {
    expect(aliceId).toMatch(/^[a-z]+-[a-z]+-\d{4}$/);
    expect(bobId).not.toBe(aliceId);
    const started = performance.now();
    await alicePopup.connect(bobId);
    await alicePopup.peerItem(bobId).and(alicePopup.page.locator('[data-state="connected"]')).waitFor({ timeout: 15_000 });
    const connectMs = performance.now() - started;
    await bobPopup.peerItem(aliceId).and(bobPopup.page.locator('[data-state="connected"]')).waitFor({ timeout: 15_000 });
    console.log(`[figure] connect (click to connected in A's popup): ${connectMs.toFixed(0)} ms`);
  });

  it('delivers text both ways, Unicode byte-exact', async () => {
    const fromA = 'Hello Bob! Привет, سلام دنیا 👋🏽 — tabs\tand\nnew lines';
    await alicePopup.send(fromA);
    await expect.poll(() => bobPopup.texts('in'), { timeout: 10_000 }).toEqual([fromA]);
    await expect.poll(() => alicePopup.messages('out').first().getAttribute('data-status')).toBe('delivered');

    const fromB = 'Got it. Ответ: ✅ پاسخ';
    await bobPopup.send(fromB);
    await expect.poll(() => alicePopup.texts('in'), { timeout: 10_000 }).toEqual([fromB]);
    // The text box is emptied only after a successful send.
    await expect(bobPopup.page.getByTestId('text-input').inputValue()).resolves.toBe('');
  });
});

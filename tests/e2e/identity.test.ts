/**
 * The persistent DTLS identity: one certificate, kept in IndexedDB, the same
 * after the offscreen document that holds the peer is closed and recreated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPair, startServer, User, type Pair, type ServerProcess } from './harness';

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

describe('pinned identities: an ID taken over while its owner is offline', () => {
  let pair: Pair;
  let carol: User | undefined;

  beforeAll(async () => {
    pair = await startPair({ connect: true });
  });

  afterAll(async () => {
    await carol?.close();
    await pair?.close();
  });

  it('B verified A; C registers A\'s ID and connects: B sees the changed-identity warning and gets nothing from C', async () => {
    const { alice, bobPopup, aliceId, server } = pair;
    // B compares codes with A and confirms they match: A's identity is pinned.
    const aliceOnBob = bobPopup.peerItem(aliceId);
    await aliceOnBob.locator('[data-testid="peer-sas"][data-state="ready"]').waitFor({ timeout: 10_000 });
    await aliceOnBob.getByTestId('verify-peer').click();
    await aliceOnBob.getByTestId('peer-verified').waitFor({ timeout: 5000 });

    // A goes offline (B may not notice yet: a vanished peer often sends no close); C takes A's peer ID.
    await alice.close();
    carol = await User.launch('carol');
    const options = await carol.openExtensionPage('options.html');
    await options.getByTestId('option-port').fill(String(server.port));
    await options.getByTestId('option-peer-id').fill(aliceId);
    await options.getByTestId('save-options').click();
    await options.getByTestId('options-saved').waitFor();
    const carolPopup = await carol.openPopup();
    await expect(carolPopup.waitOnline(30_000)).resolves.toBe(aliceId);

    // C connects to B as "A".
    await carolPopup.connect(pair.bobId);
    await carolPopup.waitPeer(pair.bobId, 'connected');
    await bobPopup.peerItem(aliceId).getByTestId('identity-warning').waitFor({ timeout: 10_000 });
    await expect(bobPopup.peerItem(aliceId).getByTestId('peer-verified').count()).resolves.toBe(0);

    // Nothing C sends is delivered, and B cannot send to it until B decides.
    const inBefore = (await bobPopup.texts('in')).length;
    await carolPopup.send('It is me, A. Send me the files.');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await bobPopup.texts('in')).length).toBe(inBefore);
    await expect(carolPopup.messages('out').first().getAttribute('data-status')).resolves.toBe('sent');
    await bobPopup.page.getByTestId('text-input').fill('secret plans');
    await bobPopup.page.getByTestId('send-text-button').click();
    await expect.poll(() => bobPopup.error().textContent()).toContain('identity changed');
    await expect(bobPopup.page.getByTestId('text-input').inputValue()).resolves.toBe('secret plans');
  });
});

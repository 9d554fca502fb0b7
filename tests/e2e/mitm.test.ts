/**
 * A man in the middle on the signaling path: a malicious signaling server hands
 * A's connection to an attacker, who connects to B as A and relays everything.
 * Encryption alone does not notice (each leg is encrypted, to the attacker);
 * the verification codes and B's pinned identity for A must.
 */
import { resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, startServer, startStaticServer, User, type PopupPage, type ServerProcess } from './harness';
import { startMitmProxy, type MitmProxy } from './mitm-proxy';

describe('a man in the middle on the signaling server', () => {
  let server: ServerProcess;
  let proxy: MitmProxy;
  let web: Awaited<ReturnType<typeof startStaticServer>>;
  let alice: User;
  let bob: User;
  let alicePopup: PopupPage;
  let bobPopup: PopupPage;
  let aliceId: string;
  let bobId: string;
  let attacker: Browser;

  beforeAll(async () => {
    server = await startServer();
    proxy = await startMitmProxy(server.port);
    web = await startStaticServer({
      '/': resolve('tests/e2e/fixtures/mallory.html'),
      '/peerjs.min.js': resolve('node_modules/peerjs/dist/peerjs.min.js'),
    });
    [alice, bob] = await Promise.all([User.launch('alice'), User.launch('bob')]);
    // Both users trust this signaling server: it is the one in their settings.
    await Promise.all([alice.useServer(proxy.port), bob.useServer(proxy.port)]);
    [alicePopup, bobPopup] = await Promise.all([alice.openPopup(), bob.openPopup()]);
    [aliceId, bobId] = await Promise.all([alicePopup.waitOnline(), bobPopup.waitOnline()]);
    attacker = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  });

  afterAll(async () => {
    await attacker?.close();
    await Promise.all([alice?.close(), bob?.close()]);
    await web?.close();
    await proxy?.close();
    await server?.kill();
  });

  const sas = (popup: PopupPage, peerId: string) => popup.peerItem(peerId).getByTestId('peer-sas');

  it('makes the verification fail on both sides, and B sees that A\'s pinned identity changed', async () => {
    // First, an honest connection: same code on both sides; B confirms it and pins A.
    await alicePopup.connect(bobId);
    await bobPopup.answerRequest(aliceId);
    await bobPopup.waitPeer(aliceId, 'connected');
    const honestA = await sas(alicePopup, bobId).and(alicePopup.page.locator('[data-state="ready"]')).getAttribute('data-code', { timeout: 10_000 });
    const honestB = await sas(bobPopup, aliceId).and(bobPopup.page.locator('[data-state="ready"]')).getAttribute('data-code', { timeout: 10_000 });
    expect(honestB).toBe(honestA);
    await bobPopup.peerItem(aliceId).getByTestId('verify-peer').click();
    await bobPopup.peerItem(aliceId).getByTestId('peer-verified').waitFor();
    await alicePopup.peerItem(bobId).getByTestId('disconnect-peer').click();
    await bobPopup.waitPeer(aliceId, 'disconnected');

    // The signaling server turns: Mallory registers, and A <-> B signaling now goes to her.
    const page = await attacker.newPage();
    await page.goto(web.url);
    await page.evaluate(
      (o) => (window as unknown as { startMallory(o: object): Promise<void> }).startMallory(o),
      { host: '127.0.0.1', port: proxy.port, a: aliceId, b: bobId },
    );
    proxy.arm({ a: aliceId, b: bobId, mallory: 'mallory-peer-1' });

    // A connects to "B" as before; both sides see a connection, and Mallory relays it.
    await alicePopup.peerItem(bobId).getByTestId('reconnect-peer').click();
    // A accepted B before, but "B" now presents another certificate: A is asked again, as for a stranger.
    await alicePopup.answerRequest(bobId);
    await alicePopup.waitPeer(bobId, 'connected');
    await bobPopup.waitPeer(aliceId, 'connected');
    await expect.poll(() => page.locator('#status').textContent()).toBe('bridging');

    // Neither side shows a code to compare: each saw the attacker's certificate, not the other's.
    await sas(alicePopup, bobId).and(alicePopup.page.locator('[data-state="failed"]')).waitFor({ timeout: 10_000 });
    await sas(bobPopup, aliceId).and(bobPopup.page.locator('[data-state="failed"]')).waitFor({ timeout: 10_000 });
    // And B, who had verified A, gets the loud warning; the connection is held.
    await bobPopup.peerItem(aliceId).getByTestId('identity-warning').waitFor({ timeout: 10_000 });
    await expect(bobPopup.peerItem(aliceId).getByTestId('peer-verified').count()).resolves.toBe(0);
  });
});

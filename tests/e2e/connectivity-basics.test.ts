/**
 * Connectivity without a relay: the connection panel of a direct connection, the
 * options page refusing TURN settings that cannot work, and registering again under
 * our ID after an unclean drop. Two Chromium profiles and a real PeerServer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPair, startServer, startTcpProxy, User, type Pair } from './harness';
import { bobReceives, bobTrustsAlice, connectTimed } from './pair-steps';

describe('without TURN', () => {
  let pair: Pair;

  beforeAll(async () => {
    pair = await startPair();
    await bobTrustsAlice(pair);
  });
  afterAll(async () => pair?.close());

  it('the connection panel says "Direct (peer to peer)" and shows live figures', async () => {
    const ms = await connectTimed(pair);
    console.log(`[figure] connect, direct (host candidates): ${ms.toFixed(0)} ms`);
    const panel = await pair.alicePopup.linkPanel(pair.bobId);
    await expect.poll(() => panel.getAttribute('data-route')).toBe('direct');
    await expect(panel.getByTestId('link-route').textContent()).resolves.toBe('Direct (peer to peer)');
    await expect(panel.getByTestId('link-signaling').textContent()).resolves.toBe('Online');
    await expect(panel.getByTestId('link-ice').textContent()).resolves.toBe('Connected');
    await expect.poll(() => panel.getByTestId('link-rtt').textContent()).toMatch(/^\d+ ms$/);
    await pair.alicePopup.send('hello over a direct path');
    await bobReceives(pair, 'hello over a direct path');
    // Bitrate is measured between two readings, a second apart.
    await expect.poll(() => panel.getByTestId('link-bitrate').textContent(), { timeout: 5000 }).toMatch(/kbit\/s|Mbit\/s/);
  });
});

describe('settings', () => {
  let user: User;
  beforeAll(async () => {
    user = await User.launch('alice');
  });
  afterAll(async () => user?.close());

  it('refuses relay only without a TURN server, and a TURN URL without credentials, saving nothing', async () => {
    const page = await user.openExtensionPage('options.html');
    await page.getByTestId('option-relay-only').check();
    await page.getByTestId('add-ice').click();
    await page.getByTestId('ice-url').fill('turn:turn.example.org:3478');
    await page.getByTestId('save-options').click();
    await page.getByTestId('options-not-saved').waitFor();
    const problems = await page.getByTestId('problem').allTextContents();
    expect(problems.join(' ')).toContain('A TURN server needs a username and a password.');
    await page.getByTestId('ice-row').getByRole('button').click();
    await page.getByTestId('save-options').click();
    await expect.poll(() => page.getByTestId('problem').allTextContents()).toEqual([
      expect.stringContaining('Relay only needs a TURN server.'),
    ]);
    await page.reload();
    await page.getByTestId('option-relay-only').waitFor();
    await expect(page.getByTestId('option-relay-only').isChecked()).resolves.toBe(false);
    await expect(page.getByTestId('ice-row').count()).resolves.toBe(0);
    await page.close();
  });
});

describe('PeerServer still holding our ID after an unclean drop', () => {
  it('registers again with the same ID within seconds, not after the server\'s 60 s alive timeout', async () => {
    const server = await startServer();
    const proxy = await startTcpProxy(server.port);
    const user = await User.launch('alice');
    try {
      await user.useServer(proxy.port);
      const popup = await user.openPopup();
      const id = await popup.waitOnline();
      // The network drops between us and the server; the server keeps our socket (and ID) as if alive.
      const joinedAtCut = server.output().split(`peer joined: ${id}`).length - 1;
      proxy.cutClients();
      const cut = performance.now();
      await popup.page.locator('[data-testid="server-status"]:not([data-status="online"])').waitFor({ timeout: 10_000 });
      await expect(popup.waitOnline(20_000)).resolves.toBe(id);
      console.log(`[figure] unclean drop with the ID held by the server → registered again in ${(performance.now() - cut).toFixed(0)} ms`);
      // The server registered us afresh (another "joined" after the cut), under the same ID.
      expect(server.output().split(`peer joined: ${id}`).length - 1).toBeGreaterThan(joinedAtCut);
    } finally {
      await user.close();
      await proxy.close();
      await server.kill();
    }
  });
});

/**
 * What a user sees when things go wrong: an unknown peer ID, and a PeerServer
 * that goes away and comes back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, User, type PopupPage, type ServerProcess } from './harness';

describe('failures in plain words', () => {
  let server: ServerProcess;
  let user: User;
  let popup: PopupPage;
  let myId: string;

  beforeAll(async () => {
    server = await startServer();
    user = await User.launch('carol');
    await user.useServer(server.port);
    popup = await user.openPopup();
    myId = await popup.waitOnline();
  });

  afterAll(async () => {
    await user?.close();
    await server?.kill();
  });

  it('connecting to an ID that does not exist shows an error within 10 s', async () => {
    await popup.connect('nobody-here-0000');
    await popup.error().waitFor({ timeout: 10_000 });
    await expect(popup.error().textContent()).resolves.toContain('No peer with this ID is online');
    // The typed ID stays in the field so it can be corrected.
    await expect(popup.page.getByTestId('peer-id-input').inputValue()).resolves.toBe('nobody-here-0000');
    await expect(popup.peerItem('nobody-here-0000').count()).resolves.toBe(0);
  });

  it('refuses to connect to oneself, with a reason', async () => {
    await popup.connect(myId);
    await expect.poll(() => popup.error().textContent()).toContain('your own peer ID');
  });

  it('text typed for a peer that is not connected stays in the box', async () => {
    // No peer is connected, so Send is disabled and the text is untouched.
    await popup.page.getByTestId('text-input').fill('keep me');
    await expect(popup.page.getByTestId('send-text-button').isDisabled()).resolves.toBe(true);
    await expect(popup.page.getByTestId('text-input').inputValue()).resolves.toBe('keep me');
  });

  it('shows the offline state when the PeerServer stops, and comes back with the same ID', async () => {
    const port = server.port;
    await server.kill();
    await popup.page.locator('[data-testid="server-status"][data-status="offline"]').waitFor({ timeout: 10_000 });
    await expect(popup.serverStatus().textContent()).resolves.toContain('offline');

    server = await startServer(port);
    const started = performance.now();
    const idAgain = await popup.waitOnline(30_000);
    console.log(`[figure] back online after PeerServer restart: ${(performance.now() - started).toFixed(0)} ms`);
    expect(idAgain).toBe(myId);
    await expect.poll(() => server.output()).toContain(`peer joined: ${myId}`);
  });
});

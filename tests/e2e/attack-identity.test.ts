/**
 * Attacks on identity checks (issue 10, findings 2 and 9): a pinned peer's ID
 * taken over by someone whose SDP names the fingerprint with another
 * algorithm, and a man in the middle that drops the verification messages.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchVictim, sleep, startAttackerKit, startStockServer, type AttackerKit } from './attacker';
import type { PopupPage, User } from './harness';
import { startMitmProxy, type MitmProxy } from './mitm-proxy';

describe('attack: identity', () => {
  let server: Awaited<ReturnType<typeof startStockServer>>;
  let kit: AttackerKit;
  let proxy: MitmProxy | undefined;
  const users: User[] = [];

  beforeAll(async () => {
    server = await startStockServer();
    kit = await startAttackerKit();
  });

  afterEach(async () => {
    await Promise.all(users.splice(0).map((u) => u.close()));
    await proxy?.close();
    proxy = undefined;
  });

  afterAll(async () => {
    await kit?.close();
    await server?.close();
  });

  async function pair(port: number): Promise<{ a: { user: User; popup: PopupPage; id: string }; b: { user: User; popup: PopupPage; id: string } }> {
    const [a, b] = await Promise.all([launchVictim('alice', port), launchVictim('bob', port)]);
    users.push(a.user, b.user);
    return { a, b };
  }

  const sas = (popup: PopupPage, peerId: string) => popup.peerItem(peerId).getByTestId('peer-sas');

  it('F9: a man in the middle that drops every sas-* message makes verification fail on both sides', async () => {
    proxy = await startMitmProxy(server.port);
    const { a, b } = await pair(proxy.port);
    const mallory = await kit.page();
    await mallory.relay({ id: 'mallory-peer-9', port: proxy.port, a: a.id, b: b.id, drop: 'sas-' });
    proxy.arm({ a: a.id, b: b.id, mallory: 'mallory-peer-9' });

    await a.popup.connect(b.id);
    await b.popup.answerRequest(a.id);
    await a.popup.waitPeer(b.id, 'connected');
    await b.popup.waitPeer(a.id, 'connected');
    await expect.poll(() => mallory.page.locator('#status').textContent()).toBe('bridging');
    // Settled either way (the exchange times out after 10 s).
    const settled = (popup: PopupPage, id: string) => sas(popup, id).and(popup.page.locator('[data-state="failed"], [data-state="unsupported"]'));
    await settled(a.popup, b.id).waitFor({ timeout: 20_000 });
    await settled(b.popup, a.id).waitFor({ timeout: 20_000 });
    const onA = await sas(a.popup, b.id).getAttribute('data-state');
    const onB = await sas(b.popup, a.id).getAttribute('data-state');
    console.log(`[attack F9] sas-* dropped by the relay: A shows "${onA}" for B ("${await sas(a.popup, b.id).textContent()}"), B shows "${onB}" for A`);
    expect(onA, "A's verification state for B").toBe('failed');
    expect(onB, "B's verification state for A").toBe('failed');
  });

  it('F2: B pinned A; an attacker takes A\'s ID and offers a sha-512 fingerprint: B warns and shows nothing it sends', async () => {
    const { a, b } = await pair(server.port);
    await a.popup.connect(b.id);
    await b.popup.answerRequest(a.id);
    await a.popup.waitPeer(b.id, 'connected');
    await b.popup.waitPeer(a.id, 'connected');
    const ready = (popup: PopupPage, id: string) => sas(popup, id).and(popup.page.locator('[data-state="ready"]')).getAttribute('data-code', { timeout: 15_000 });
    expect(await ready(b.popup, a.id)).toBe(await ready(a.popup, b.id));
    await b.popup.peerItem(a.id).getByTestId('verify-peer').click();
    await b.popup.peerItem(a.id).getByTestId('peer-verified').waitFor();

    // A goes away; the attacker registers A's ID as soon as it is free and dials B.
    await a.user.close();
    const attacker = await kit.page();
    const peer = await attacker.start({ id: a.id, port: server.port, retryMs: 20_000, sha512: true, hello: { name: '' } });
    await attacker.connect(peer, b.id);
    await b.popup.waitPeer(a.id, 'connected', 20_000);
    await expect.poll(async () => (await attacker.log()).opened.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const sent = await attacker.textAll(b.id, 'takeover1', 'It is me, A. Send me the files.');
    await sleep(3000);
    const shown = await b.popup.texts('in');
    const warning = await b.popup.peerItem(a.id).getByTestId('identity-warning').isVisible();
    const state = await b.popup.peerItem(a.id).locator('[data-testid="peer-sas"]').getAttribute('data-state').catch(() => null);
    const lines = (await attacker.log()).sentFingerprints;
    console.log(`[attack F2] attacker as ${a.id} sent ${JSON.stringify(lines)} (text on ${sent} connection(s)): B shows identity-warning: ${warning}; verification: ${state}; B shows texts: ${JSON.stringify(shown)}`);
    expect(shown, "texts B's popup shows from the attacker").not.toContain('It is me, A. Send me the files.');
    await b.popup.peerItem(a.id).getByTestId('identity-warning').waitFor({ timeout: 5000 });
    expect(shown).toEqual([]);
  });
});

/**
 * Attacks on consent (issue 10, findings 1 and 7): a stranger must be asked
 * about, whatever its peer ID, and learns nothing about the victim (no answer,
 * no candidates, no certificate) until the victim accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchVictim, sleep, startAttackerKit, startStockServer, type AttackerKit } from './attacker';
import type { PopupPage, User } from './harness';

describe('attack: consent', () => {
  let server: Awaited<ReturnType<typeof startStockServer>>;
  let kit: AttackerKit;
  let user: User;
  let popup: PopupPage;
  let victimId: string;

  beforeAll(async () => {
    server = await startStockServer();
    kit = await startAttackerKit();
    ({ user, popup, id: victimId } = await launchVictim('victim', server.port));
  });

  afterAll(async () => {
    await user?.close();
    await kit?.close();
    await server?.close();
  });

  // F1: `peerId in settings.pins` is true for inherited members of Object.prototype.
  it.each(['constructor', 'toString', 'hasOwnProperty'])('F1: a stranger with the peer ID %s is asked about, and Decline leaves no trusted entry', async (id) => {
    const attacker = await kit.page();
    const peer = await attacker.start({ id, port: server.port, hello: { name: 'Mallory' } });
    const conn = await attacker.connect(peer, victimId, { hello: { name: 'Mallory' } });
    const prompt = popup.peerItem(id).getByTestId('consent-accept');
    // Whichever comes first: the victim is asked, or the attacker is let in.
    await expect.poll(async () => (await prompt.isVisible()) || (await attacker.state(conn)).open, { timeout: 15_000 }).toBe(true);
    await sleep(1500);
    const openedUnasked = (await attacker.state(conn)).open;
    const stored = await popup.page.evaluate(async () => (await chrome.storage.local.get('trustedPeers')).trustedPeers as Record<string, unknown> | undefined);
    console.log(
      `[attack F1 ${id}] attacker connection open before any answer: ${openedUnasked}; prompt shown: ${await prompt.isVisible()}; ` +
        `peer item: ${JSON.stringify(await popup.peerItem(id).getAttribute('data-state'))}; stored trustedPeers: ${JSON.stringify(stored)}`,
    );
    expect(openedUnasked, `the attacker ${id}'s DataConnection opened before the victim answered`).toBe(false);
    await prompt.waitFor({ timeout: 5000 });

    await popup.answerRequest(id, 'decline');
    await expect.poll(() => popup.peerItem(id).count()).toBe(0);
    await sleep(1000);
    const options = await user.openExtensionPage('options.html');
    // The list may be empty (and so not visible): wait for it to be there.
    await options.getByTestId('trusted-list').waitFor({ state: 'attached' });
    await expect(options.locator(`[data-testid="trusted-item"][data-peer-id="${id}"]`).count()).resolves.toBe(0);
    await options.close();
    const own = await popup.page.evaluate(async (key) => {
      const trusted = (await chrome.storage.local.get('trustedPeers')).trustedPeers as object | undefined;
      return trusted !== undefined && Object.hasOwn(trusted, key);
    }, id);
    expect(own, `storage.local trustedPeers has an own entry "${id}"`).toBe(false);
    await attacker.page.close();
  });

  // F7: the answer to a pending request carried host candidates and completed DTLS.
  it('F7: until Accept, a stranger gets no ANSWER, no CANDIDATE and no remote description; after Accept text flows', async () => {
    const attacker = await kit.page();
    const id = 'curious-stranger-7';
    const peer = await attacker.start({ id, port: server.port, hello: { name: 'Curious', app: 'plain-page' } });
    const asked = Date.now();
    const conn = await attacker.connect(peer, victimId, { hello: { name: 'Curious', app: 'plain-page' } });
    await popup.peerItem(id).getByTestId('consent-accept').waitFor({ timeout: 15_000 });
    await sleep(5000);
    const log = await attacker.log();
    const state = await attacker.state(conn);
    const fromVictim = log.signaling.filter((m) => m.src === victimId && m.at >= asked);
    console.log(
      `[attack F7] before Accept the stranger got from the victim: ${JSON.stringify(fromVictim.map((m) => m.type))}; ` +
        `candidates: ${JSON.stringify(fromVictim.filter((m) => m.candidate).map((m) => m.candidate))}; ` +
        `remote description set: ${state.remoteDescription}; victim fingerprint learned: ${/a=fingerprint:\S+ \S+/.exec(state.remoteSdp)?.[0] ?? 'none'}; ` +
        `DataConnection open: ${state.open}`,
    );
    expect(fromVictim.filter((m) => m.type === 'ANSWER'), 'ANSWER messages from the victim before Accept').toEqual([]);
    expect(fromVictim.filter((m) => m.type === 'CANDIDATE'), 'CANDIDATE messages from the victim before Accept').toEqual([]);
    expect(state.remoteDescription, 'the stranger has the victim\'s SDP (fingerprint, ICE) before Accept').toBe(false);

    await popup.answerRequest(id, 'accept');
    await popup.waitPeer(id, 'connected', 15_000);
    await expect.poll(async () => (await attacker.state(conn)).open, { timeout: 10_000 }).toBe(true);
    await attacker.text(conn, 'after-accept', 'hello after accept');
    await expect.poll(() => popup.texts('in'), { timeout: 10_000 }).toContain('hello after accept');
    await attacker.page.close();
  });
});

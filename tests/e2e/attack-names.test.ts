/**
 * Attacks through what is shown (issue 10, finding 11): display names that pose
 * as another peer's ID, and the PeerServer access token shown in the popup.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchVictim, startAttackerKit, startStockServer, type AttackerKit } from './attacker';
import { startServer, User, type PopupPage } from './harness';

describe('attack: names and what the popup shows', () => {
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

  // F11a: the name is the main label today, so a peer can pose as another peer's ID.
  it.each([
    ['an ID with a bidi override', '\u202Ebrave-otter-4821'],
    ['another ID, plainly', 'brave-otter-4821'],
  ])("F11: a hello name that is %s: the attacker's real ID is the main label; the name shows no bidi or zero-width characters", async (label, name) => {
    const attacker = await kit.page();
    const id = `poser-${label.length}-${Math.random().toString(36).slice(2, 6)}`;
    const peer = await attacker.start({ id, port: server.port, hello: { name, app: 'plain-page' } });
    await attacker.connect(peer, victimId, { hello: { name, app: 'plain-page' } });
    await popup.answerRequest(id, 'accept');
    await popup.waitPeer(id, 'connected');
    const item = popup.peerItem(id);
    await expect.poll(() => item.textContent()).toContain(name.replace(/^\u202E/, ''));
    // The first bold text of the peer item is what a person reads as "who".
    const main = await item.evaluate((li) => {
      for (const el of li.querySelectorAll<HTMLElement>('*')) {
        if (el.children.length === 0 && (el.textContent ?? '').trim() && Number(getComputedStyle(el).fontWeight) >= 600) return el.textContent!.trim();
      }
      return '';
    });
    const text = await item.innerText();
    const controls = [...text].filter((c) => /[\u202A-\u202E\u2066-\u2069\u200B-\u200F]/.test(c)).map((c) => `U+${c.codePointAt(0)!.toString(16).toUpperCase()}`);
    console.log(`[attack F11 ${label}] attacker ${id}: main label ${JSON.stringify(main)}; control characters shown: ${JSON.stringify(controls)}`);
    expect(main, 'main (first bold) label of the attacker\'s peer item').toBe(id);
    expect(controls, 'bidi / zero-width characters in the peer item').toEqual([]);
    await expect(item.getByTestId('peer-label-id').textContent()).resolves.toBe(id);
    const shownName = (await item.getByTestId('peer-label-name').textContent()) ?? '';
    expect(shownName).toContain('brave-otter-4821');
    expect(shownName).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B-\u200F]/);
    await item.getByTestId('disconnect-peer').click();
    await attacker.page.close();
  });

  it('F11: the popup never shows the PeerServer access token', async () => {
    const token = randomBytes(12).toString('hex');
    const ours = await startServer(0, { SC_ACCESS_TOKEN: token });
    const tokenUser = await User.launch('token-user');
    try {
      const options = await tokenUser.openExtensionPage('options.html');
      await options.getByTestId('option-host').fill('127.0.0.1');
      await options.getByTestId('option-port').fill(String(ours.port));
      await options.getByTestId('option-path').fill(`/peerjs/${token}`);
      await options.getByTestId('save-options').click();
      await options.getByTestId('options-saved').waitFor();
      await options.close();
      const tokenPopup = await tokenUser.openPopup();
      await tokenPopup.waitOnline();
      const text = await tokenPopup.page.locator('body').innerText();
      console.log(`[attack F11 token] popup server line: ${JSON.stringify(await tokenPopup.serverStatus().innerText())}`);
      expect(text.includes(token), `the popup shows the access token ${token}`).toBe(false);
    } finally {
      await tokenUser.close();
      await ours.kill();
    }
  });
});

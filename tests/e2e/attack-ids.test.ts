/**
 * Attacks through incoming peer IDs and connection options (issue 10, finding 6):
 * invalid or look-alike peer IDs and odd connection options sent straight to the
 * victim through a stock PeerServer by raw WebSocket clients.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchVictim, offerMessage, rawClient, sleep, startAttackerKit, startStockServer, type AttackerKit } from './attacker';
import type { PopupPage, User } from './harness';

describe('attack: incoming peer IDs and options', () => {
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

  /** What the popup shows over `ms` after the offer: the worst seen. */
  async function watchPopup(id: string, ms: number): Promise<{ offline: boolean; noAnswer: string | undefined; item: boolean; prompt: boolean }> {
    const seen = { offline: false, noAnswer: undefined as string | undefined, item: false, prompt: false };
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if ((await popup.serverStatus().getAttribute('data-status')) !== 'online') seen.offline = true;
      const errors = await popup.error().allTextContents();
      seen.noAnswer ??= errors.find((text) => text.includes('did not answer'));
      if ((await popup.page.locator(`[data-testid="peer-item"][data-peer-id="${id}"]`).count()) > 0) seen.item = true;
      if ((await popup.page.locator(`[data-testid="peer-item"][data-peer-id="${id}"] [data-testid="consent-accept"]`).count()) > 0) seen.prompt = true;
      await sleep(250);
    }
    return seen;
  }

  // F6: the victim's state must survive any incoming ID and connection options.
  it.each([
    ['a Cyrillic look-alike ID (U+0430)', 'br\u0430ve-otter-4821', {}],
    ["an offer with serialization 'odd'", 'odd-serializer-6', { serialization: 'odd' }],
    // PeerJS builds the connection with `new this._serializers[serialization]`: `Object` here.
    ["an offer with serialization 'constructor'", 'ctor-serializer-6', { serialization: 'constructor' }],
    ['a 65-character ID', `x${'a'.repeat(64)}`, {}],
  ])('F6: %s sent straight to the victim is refused and the popup keeps working', async (label, id, overrides) => {
    // Each variant on its own: the popup has recovered from the one before.
    await expect.poll(() => popup.error().count(), { timeout: 30_000 }).toBe(0);
    const client = await rawClient(server.port, id);
    client.send(offerMessage(victimId, overrides));
    const seen = await watchPopup(id, 8000);
    const answered = client.received.filter((m) => m.type === 'ANSWER').length;
    console.log(`[attack F6 ${label}] popup over 8 s: ${JSON.stringify(seen)}; ANSWERs to the attacker: ${answered}`);
    client.close();
    expect(seen.noAnswer, 'the popup showed the "did not answer" error').toBeUndefined();
    expect(seen.offline, 'server-status left "online"').toBe(false);
    expect(seen.item, `a peer item for ${JSON.stringify(id)}`).toBe(false);
    expect(seen.prompt, `a consent prompt for ${JSON.stringify(id)}`).toBe(false);
  });

  it('F6: right after those, a normal stranger still gets the consent prompt', async () => {
    const attacker = await kit.page();
    const peer = await attacker.start({ id: 'normal-stranger-6', port: server.port });
    await attacker.connect(peer, victimId);
    await popup.peerItem('normal-stranger-6').getByTestId('consent-accept').waitFor({ timeout: 10_000 });
    await popup.answerRequest('normal-stranger-6', 'decline');
    await attacker.page.close();
  });
});

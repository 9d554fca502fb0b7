/**
 * Takeover of a known peer's ID while it is gone (issue 10, finding 3): A's
 * automatic redial reaches whoever holds B's peer ID now. Neither A's queued
 * text nor A's paused tab share may go to a different identity; A is asked
 * again, as B was accepted but not pinned. (Pinned: attack-takeover-pinned.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedPair, startAttackerKit, startStockServer, takeOver, type AttackerKit } from './attacker';
import type { User } from './harness';

describe('attack: a known peer ID taken over while its owner is away', () => {
  let server: Awaited<ReturnType<typeof startStockServer>>;
  let kit: AttackerKit;
  const users: User[] = [];

  beforeAll(async () => {
    server = await startStockServer();
    kit = await startAttackerKit();
  });

  afterAll(async () => {
    await Promise.all(users.splice(0).map((u) => u.close()));
    await kit?.close();
    await server?.close();
  });

  it("F3: A's redial reaches the attacker holding B's ID: no queued text, no share call; A is asked again; the text stays queued", async () => {
    const { a, b } = await connectedPair(server.port, users);
    // A shares a tab with B, and B accepts.
    const tab = await a.user.context.newPage();
    await tab.goto(`${kit.web.url}/motion`);
    await tab.bringToFront();
    await a.popup.page.bringToFront();
    await a.popup.page.getByTestId('share-tab').click();
    await b.popup.share('in', 'incoming').waitFor({ timeout: 10_000 });
    await b.popup.share('in', 'incoming').getByTestId('share-accept').click();
    await a.popup.share('out', 'live').waitFor({ timeout: 15_000 });

    const attacker = await takeOver(kit, server.port, a, b, 'queued 1');
    const log = await attacker.log();
    const texts = await attacker.texts();
    const prompt = a.popup.peerItem(b.id).getByTestId('consent-accept');
    const status = await a.popup.messages('out').first().getAttribute('data-status');
    console.log(
      `[attack F3] attacker holding ${b.id} received texts ${JSON.stringify(texts)} and ${log.calls.length} call(s) ${JSON.stringify(log.calls.map((c) => c.metadata))}; ` +
        `A's peer item: state ${await a.popup.peerItem(b.id).getAttribute('data-state')}, prompt shown ${await prompt.isVisible()}; A's text status: ${status}; A's share: ${await a.popup.share('out').getAttribute('data-state')}`,
    );
    expect(texts, 'texts the attacker received').toEqual([]);
    expect(log.calls, 'calls (the tab share resumed) the attacker received').toEqual([]);
    await prompt.waitFor({ timeout: 5000 });
    expect(status, "A's queued text").toBe('queued');
    await expect(a.popup.texts('out')).resolves.toContain('queued 1');
  });
});

/**
 * Takeover of a pinned peer's ID while it is gone (issue 10, findings 3 and 2):
 * A verified B; A's automatic redial reaches the attacker holding B's ID. A must
 * warn and send nothing, whichever fingerprint algorithm the attacker's SDP names.
 */
import { afterEach, afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedPair, startAttackerKit, startStockServer, takeOver, type AttackerKit } from './attacker';
import type { User } from './harness';

describe('attack: a pinned peer ID taken over while its owner is away', () => {
  let server: Awaited<ReturnType<typeof startStockServer>>;
  let kit: AttackerKit;
  const users: User[] = [];

  beforeAll(async () => {
    server = await startStockServer();
    kit = await startAttackerKit();
  });

  afterEach(async () => {
    await Promise.all(users.splice(0).map((u) => u.close()));
  });

  afterAll(async () => {
    await kit?.close();
    await server?.close();
  });

  it.each([
    ['the same SDP fingerprint algorithm (sha-256)', false],
    ['a sha-512 fingerprint line', true],
  ])('F3: A had pinned B; the attacker answers with %s: A warns and sends it nothing', async (_label, sha512) => {
    const { a, b } = await connectedPair(server.port, users);
    await a.popup.peerItem(b.id).locator('[data-testid="peer-sas"][data-state="ready"]').waitFor({ timeout: 15_000 });
    await a.popup.peerItem(b.id).getByTestId('verify-peer').click();
    await a.popup.peerItem(b.id).getByTestId('peer-verified').waitFor();

    const attacker = await takeOver(kit, server.port, a, b, 'queued 2', sha512 as boolean);
    const texts = await attacker.texts();
    const warning = await a.popup.peerItem(b.id).getByTestId('identity-warning').isVisible();
    const status = await a.popup.messages('out').first().getAttribute('data-status');
    console.log(
      `[attack F3 pinned, sha512=${sha512}] attacker sent ${JSON.stringify((await attacker.log()).sentFingerprints)}, received texts ${JSON.stringify(texts)}; ` +
        `A shows identity-warning: ${warning}; A's text status: ${status}`,
    );
    expect(texts, 'texts the attacker received').toEqual([]);
    await a.popup.peerItem(b.id).getByTestId('identity-warning').waitFor({ timeout: 5000 });
    expect(status, "A's queued text").toBe('queued');
  });
});

/** Steps of a two-user scene that several connectivity tests share. */
import { expect } from 'vitest';
import type { Pair } from './harness';

/** A clicks Connect; B trusts A (set up once below), so only A's side is timed. */
export async function connectTimed(pair: Pair, timeout = 20_000): Promise<number> {
  const clicked = performance.now();
  await pair.alicePopup.connect(pair.bobId);
  await pair.alicePopup.waitPeer(pair.bobId, 'connected', timeout);
  return performance.now() - clicked;
}

/** B adds A to its trusted peers in the options page, so reconnections in these tests need no clicks on B. */
export async function bobTrustsAlice(pair: Pair): Promise<void> {
  const page = await pair.bob.openExtensionPage('options.html');
  await page.getByTestId('add-trusted-input').fill(pair.aliceId);
  await page.getByTestId('add-trusted').click();
  await page.locator(`[data-testid="trusted-item"][data-peer-id="${pair.aliceId}"]`).waitFor();
  await page.close();
}

/** Waits until B has received `text`. */
export async function bobReceives(pair: Pair, text: string, timeout = 10_000): Promise<void> {
  await expect.poll(() => pair.bobPopup.texts('in'), { timeout }).toContain(text);
}

/**
 * Connectivity through real relays: Debian's coturn on loopback with
 * `use-auth-secret`, credentials minted by our PeerServer (or typed into the
 * options page), relay-only mode, a dead relay, a relay dying mid-session.
 * Nothing is mocked: two Chromium profiles, a real PeerServer, real TURN servers.
 */
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintTurnCredentials } from '../../server/turn-credentials';
import { startPair, startStaticServer, startTurn, TEST_EXTENSION_ID, ViewerPage, type Pair, type TurnProcess } from './harness';
import { bobReceives, bobTrustsAlice, connectTimed } from './pair-steps';

const SECRET = 'loopback-turn-secret';
const AUTOPLAY = '--autoplay-policy=no-user-gesture-required';

/** Credentials as our server mints them, for pasting into the options page. */
function minted(peerId: string, urls: string[], ttlSeconds = 3600, nowMs = Date.now()) {
  return mintTurnCredentials({ secret: SECRET, peerId, ttlSeconds, urls, nowMs });
}

describe('through coturn', () => {
  let pair: Pair;
  let turn: TurnProcess;
  let web: Awaited<ReturnType<typeof startStaticServer>>;

  beforeAll(async () => {
    turn = await startTurn(SECRET);
    web = await startStaticServer({ '/': resolve('tests/e2e/fixtures/motion.html') });
    pair = await startPair({
      serverEnv: { SC_TURN_SECRET: SECRET, SC_TURN_URLS: turn.url, SC_TURN_TTL: '600' },
      alice: { windowSize: { width: 1280, height: 808 }, extraArgs: [`--allowlisted-extension-id=${TEST_EXTENSION_ID}`, AUTOPLAY] },
      bob: { extraArgs: [AUTOPLAY] },
    });
    await bobTrustsAlice(pair);
  });
  afterAll(async () => {
    await pair?.close();
    await turn?.kill();
    await web?.close();
  });

  it('1. relay only, with credentials minted by our server: text and a tab share flow, the panel says relayed', async () => {
    await Promise.all([
      pair.alice.configureIce({ turnFromServer: true, relayOnly: true }),
      pair.bob.configureIce({ turnFromServer: true, relayOnly: true }),
    ]);
    for (const popup of [pair.alicePopup, pair.bobPopup]) {
      await popup.waitOnline();
      await popup.page.locator('[data-testid="turn-status"][data-status="ready"]').waitFor();
      await popup.page.getByTestId('relay-only').waitFor();
    }
    const ms = await connectTimed(pair);
    console.log(`[figure] connect, relay only through coturn: ${ms.toFixed(0)} ms`);
    const panel = await pair.alicePopup.linkPanel(pair.bobId);
    await expect.poll(() => panel.getAttribute('data-route')).toBe('relay');
    await expect(panel.getByTestId('link-route').textContent()).resolves.toBe('Relayed through TURN (udp)');

    await pair.alicePopup.send('hello through the relay');
    await bobReceives(pair, 'hello through the relay');

    const { page, viewer } = await shareTabWithBob();
    await expect.poll(async () => (await viewer.figures()).framesDecoded, { timeout: 20_000 }).toBeGreaterThan(30);
    const figures = await viewer.figures();
    console.log(`[figure] tab share over the relay: ${figures.width}x${figures.height} at ${figures.fps} fps, ${figures.kbps} kbit/s`);
    expect(figures.width).toBeGreaterThan(0);
    // The viewer's own panel says the same as the popup's.
    await viewer.page.getByTestId('viewer-link').click();
    await expect.poll(() => viewer.page.getByTestId('link-panel').getAttribute('data-route')).toBe('relay');
    await viewer.page.getByTestId('viewer-stop').click();
    await pair.alicePopup.share('out', 'ended').waitFor();
    await viewer.page.close();
    await page.close();
  });

  it('2. wrong or expired credentials fail with a clear message, not a hang', async () => {
    const now = Date.now();
    const expired = minted(pair.aliceId, [turn.url], 60, now - 3600_000);
    const wrong = { ...minted(pair.aliceId, [turn.url]), credential: 'bm90IHRoZSByaWdodCBwYXNzd29yZA==' };
    for (const [what, credentials] of [
      ['expired', expired],
      ['wrong', wrong],
    ] as const) {
      await pair.alice.configureIce({
        servers: [{ url: turn.url, username: credentials.username, credential: credentials.credential }],
        relayOnly: true,
      });
      await pair.alicePopup.waitOnline();
      const clicked = performance.now();
      await pair.alicePopup.connect(pair.bobId);
      await expect.poll(() => pair.alicePopup.error().textContent(), { timeout: 20_000 }).toContain('refused the credentials');
      console.log(`[figure] ${what} TURN credentials → error shown in ${(performance.now() - clicked).toFixed(0)} ms`);
    }
  });

  it('3. with two TURN servers and the first one dead, connections use the second', async () => {
    const dead = await startTurn(SECRET);
    await dead.kill();
    const ms = await relayThrough([dead.url, turn.url]);
    console.log(`[figure] connect, relay only, first of two TURN servers dead: ${ms.toFixed(0)} ms`);
    const panel = await pair.alicePopup.linkPanel(pair.bobId);
    await expect.poll(() => panel.getAttribute('data-route')).toBe('relay');
    await pair.alicePopup.send('through the second relay');
    await bobReceives(pair, 'through the second relay');
  });

  it('3b. TURN over TCP, for networks that block UDP: relay only connects and the panel says tcp', async () => {
    await relayThrough([turn.url.replace('?transport=udp', '?transport=tcp')]);
    const panel = await pair.alicePopup.linkPanel(pair.bobId);
    await expect.poll(() => panel.getAttribute('data-route')).toBe('relay');
    await expect(panel.getByTestId('link-route').textContent()).resolves.toBe('Relayed through TURN (tcp)');
    await pair.alicePopup.send('through the relay over TCP');
    await bobReceives(pair, 'through the relay over TCP');
  });

  /** A opens the moving page and shares it; B accepts. Returns A's shared page and B's viewer. */
  async function shareTabWithBob(): Promise<{ page: Page; viewer: ViewerPage }> {
    const page = await pair.alice.context.newPage();
    await page.goto(web.url);
    await pair.alicePopup.page.bringToFront();
    await pair.alicePopup.page.getByTestId('share-tab').click();
    await pair.bobPopup.share('in', 'incoming').waitFor({ timeout: 10_000 });
    await page.bringToFront();
    const opened = pair.bob.context.waitForEvent('page', { timeout: 10_000 });
    await pair.bobPopup.share('in', 'incoming').getByTestId('share-accept').click();
    const viewer = new ViewerPage(await opened);
    return { page, viewer };
  }

  /**
   * Both users use these TURN URLs (credentials minted for each), relay only; A connects to B.
   * Each side's restart ends the connection; B may dial back just before its own restart, and
   * A's click then joins that dead attempt until it fails (15 s) and dials itself (see the unit
   * test "dials itself when the incoming attempt…"), hence the connect timeout of 30 s here.
   */
  async function relayThrough(urls: string[]): Promise<number> {
    for (const [user, id] of [
      [pair.alice, pair.aliceId],
      [pair.bob, pair.bobId],
    ] as const) {
      const credentials = minted(id, urls);
      await user.configureIce({
        servers: credentials.urls.map((url) => ({ url, username: credentials.username, credential: credentials.credential })),
        relayOnly: true,
      });
    }
    await Promise.all([pair.alicePopup.waitOnline(), pair.bobPopup.waitOnline()]);
    return connectTimed(pair, 30_000);
  }

  /** A sends three texts in a row and B must show the whole conversation since `first` exactly once, in order. */
  async function textsArriveOnceInOrder(first: string, during: string[]): Promise<void> {
    await expect.poll(() => pair.bobPopup.texts('in'), { timeout: 30_000 }).toEqual(expect.arrayContaining(during));
    const received = await pair.bobPopup.texts('in');
    expect(received.slice(received.indexOf(first))).toEqual([first, ...during]);
    const delivered = pair.alicePopup.page.locator('[data-testid="message"][data-direction="out"][data-status="delivered"]');
    await expect.poll(() => delivered.count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(during.length + 1);
  }

  it('5. the relay dies mid-session, the second comes up: both notice within 10 s and reconnect by themselves; text sent meanwhile arrives once, in order', async () => {
    // The second relay is configured but down when the connection starts, so the connection can only use the first.
    const spare = await startTurn(SECRET);
    const sparePort = spare.port;
    await spare.kill();
    await relayThrough([turn.url, `turn:127.0.0.1:${sparePort}?transport=udp`]);
    await pair.alicePopup.send('before the outage');
    await bobReceives(pair, 'before the outage');
    // A shares a tab with B too: it must come back by itself.
    const { page, viewer } = await shareTabWithBob();
    await expect.poll(async () => (await viewer.figures()).framesDecoded, { timeout: 20_000 }).toBeGreaterThan(10);
    let second: TurnProcess | undefined;
    try {
      await turn.kill();
      const killedAt = Date.now();
      // Typed at once, while A still believes the connection is up: sent, never acknowledged.
      await pair.alicePopup.send('during the outage 1');
      const item = pair.alicePopup.peerItem(pair.bobId);
      // The drop and the recovery as the product recorded them (same machine, same clock).
      // (Earlier drops, e.g. from the settings change above, are older than the kill.)
      const droppedAt = async (of: typeof item): Promise<number> => Number((await of.getAttribute('data-drop-at')) ?? 0);
      await expect.poll(() => droppedAt(item), { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(killedAt);
      const detectedMs = (await droppedAt(item)) - killedAt;
      const bobItem = pair.bobPopup.peerItem(pair.aliceId);
      await expect.poll(() => droppedAt(bobItem), { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(killedAt);
      const bobDetectedMs = (await droppedAt(bobItem)) - killedAt;
      second = await startTurn(SECRET, sparePort);
      // Typed while A knows the peer is away: queued.
      await pair.alicePopup.send('during the outage 2');
      await pair.alicePopup.send('during the outage 3');
      await expect.poll(async () => Number((await item.getAttribute('data-drop-back')) ?? 0), { timeout: 30_000 }).toBeGreaterThan(killedAt);
      const recoveredMs = Number(await item.getAttribute('data-drop-back')) - killedAt;
      await pair.alicePopup.waitPeer(pair.bobId, 'connected');
      console.log(`[figure] relay killed → loss noticed by A in ${detectedMs} ms, by B in ${bobDetectedMs} ms; A connected again through the second relay ${recoveredMs} ms after the kill`);
      expect(detectedMs).toBeLessThan(10_000);
      expect(bobDetectedMs).toBeLessThan(10_000);
      await expect(item.getByTestId('peer-recovered').textContent()).resolves.toContain('Reconnected by itself');

      await textsArriveOnceInOrder('before the outage', ['during the outage 1', 'during the outage 2', 'during the outage 3']);
      const panel = await pair.alicePopup.linkPanel(pair.bobId);
      await expect.poll(() => panel.getByTestId('link-relay').textContent()).toBe(second.url);

      // The share resumed without a click: live on both sides, new frames in B's viewer (same tab).
      await pair.alicePopup.share('out', 'live').waitFor({ timeout: 15_000 });
      await pair.bobPopup.share('in', 'live').waitFor({ timeout: 15_000 });
      await expect.poll(async () => (await viewer.figures()).framesDecoded, { timeout: 20_000 }).toBeGreaterThan(10);
      console.log(`[figure] share resumed: frames again in B's viewer ${Date.now() - killedAt} ms after the kill`);
      await viewer.page.getByTestId('viewer-stop').click();
      await pair.alicePopup.share('out', 'ended').waitFor();
    } finally {
      await second?.kill();
      await page.close();
    }
  });

  it('5b. with both relays up, killing the one in use: the connection continues through the other, and text sent meanwhile arrives once, in order', async () => {
    const [one, two] = await Promise.all([startTurn(SECRET), startTurn(SECRET)]);
    try {
      await relayThrough([one.url, two.url]);
      const panel = await pair.alicePopup.linkPanel(pair.bobId);
      await expect.poll(() => panel.getByTestId('link-relay').textContent()).toMatch(/^turn:/);
      const inUse = (await panel.getByTestId('link-relay').textContent()) === one.url ? one : two;
      const other = inUse === one ? two : one;
      await pair.alicePopup.send('before the failover');
      await bobReceives(pair, 'before the failover');
      const item = pair.alicePopup.peerItem(pair.bobId);
      const dropBefore = await item.getAttribute('data-drop-at');
      await inUse.kill();
      const killed = performance.now();
      for (const n of [1, 2, 3]) await pair.alicePopup.send(`during the failover ${n}`);
      await textsArriveOnceInOrder('before the failover', ['during the failover 1', 'during the failover 2', 'during the failover 3']);
      console.log(`[figure] relay in use killed with a second one up → all texts delivered ${(performance.now() - killed).toFixed(0)} ms after the kill`);
      await expect.poll(() => panel.getByTestId('link-relay').textContent(), { timeout: 15_000 }).toBe(other.url);
      const dropped = (await item.getAttribute('data-drop-at')) !== dropBefore;
      console.log(`[figure] failover: ${dropped ? 'the product noticed the loss and reconnected' : 'ICE moved to the other relay without a drop'}`);
    } finally {
      await Promise.all([one.kill(), two.kill()]);
    }
  });
});

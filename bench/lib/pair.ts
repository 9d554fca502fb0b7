/**
 * The two users the product sections run on (two Chromium profiles with the
 * extension, via the e2e harness), with their popups open as tabs and the
 * driver in them, and a baseline page in each of the same two browsers, so
 * product and baseline share processes, machine and moment.
 */
import type { Page } from 'playwright-core';
import { TEST_EXTENSION_ID, User, type ServerProcess } from '../../tests/e2e/harness';
import { drive, injectDriver, openRawPage, raw, sleep, trustPeer, type BenchWeb, type PageScripts } from './browser';

/** Everything the product sections use. */
export interface BenchPair {
  alice: User;
  bob: User;
  /** The popups, open as tabs, with the driver (a section that closes them opens new ones). */
  alicePopup: Page;
  bobPopup: Page;
  aliceId: string;
  bobId: string;
  /**
   * A quiet extension page of each user, open for the whole run: whatever the bench
   * installs into an offscreen document (prototype wrappers, listeners) is installed from
   * here. Functions from a closed page's realm stop working, silently: wrappers installed
   * from a popup that is closed later made the offscreen document's `send` a no-op.
   */
  aliceHost: Page;
  bobHost: Page;
  /** Baseline pages: A in Alice's browser, B in Bob's. */
  rawA: Page;
  rawB: Page;
  rawAId: string;
  rawBId: string;
  /** ID of the open PeerJS baseline connection from A to B (sections that reconnect update it). */
  rawConnection: string;
  close(): Promise<void>;
}

/**
 * An extension page with no session UI, to host the driver when the popups are
 * closed: the microphone page (entrypoints/mic-permission) only asks for the
 * microphone, which headless Chromium refuses. Any extension page can send the
 * popup's commands and hear its events.
 */
const QUIET_PAGE = 'mic-permission.html';

async function openQuietPage(user: User, scripts: PageScripts): Promise<Page> {
  const page = await user.context.newPage();
  await page.goto(`chrome-extension://${TEST_EXTENSION_ID}/${QUIET_PAGE}`);
  await injectDriver(page, scripts);
  return page;
}

/**
 * Runs `body` with both popups closed and the driver in a quiet extension page
 * of each user instead, then opens the popups again (new pages, driver
 * injected, stored in `pair`). Every extension page of a user runs on the main
 * thread of one renderer process with the offscreen document: this measures
 * the product without the popup's rendering.
 */
export async function withoutPopups<T>(pair: BenchPair, scripts: PageScripts, body: (alice: Page, bob: Page) => Promise<T>): Promise<T> {
  const [alice, bob] = await Promise.all([openQuietPage(pair.alice, scripts), openQuietPage(pair.bob, scripts)]);
  await pair.alicePopup.close();
  await pair.bobPopup.close();
  await sleep(500);
  try {
    return await body(alice, bob);
  } finally {
    pair.alicePopup = (await pair.alice.openPopup()).page;
    pair.bobPopup = (await pair.bob.openPopup()).page;
    await Promise.all([injectDriver(pair.alicePopup, scripts), injectDriver(pair.bobPopup, scripts)]);
    await Promise.all([alice.close(), bob.close()]);
  }
}

/** User names of the bench's profiles (the harness names profile folders `sc-<name>-XXXXXX`). */
export const ALICE = 'bench-alice';
export const BOB = 'bench-bob';

/**
 * Launches Alice and Bob on `server`, pointed at it through the options page
 * (harness `useServer`), with Bob trusting Alice (so a connect needs no person),
 * and the baseline pages registered as PeerJS peers and joined by a raw
 * RTCDataChannel. Alice's window is 1280 x 808 (tabs of 1280 x 721) and she may
 * capture tabs without a user gesture, as in tests/e2e/share.test.ts.
 */
export async function startBenchPair(server: ServerProcess, web: BenchWeb, scripts: PageScripts, extraArgs: string[] = []): Promise<BenchPair> {
  const autoplay = '--autoplay-policy=no-user-gesture-required';
  const [alice, bob] = await Promise.all([
    User.launch(ALICE, { windowSize: { width: 1280, height: 808 }, extraArgs: [`--allowlisted-extension-id=${TEST_EXTENSION_ID}`, autoplay, ...extraArgs] }),
    User.launch(BOB, { extraArgs: [autoplay, ...extraArgs] }),
  ]);
  try {
    await Promise.all([alice.useServer(server.port), bob.useServer(server.port)]);
    const [alicePopupObject, bobPopupObject] = await Promise.all([alice.openPopup(), bob.openPopup()]);
    const [aliceId, bobId] = await Promise.all([alicePopupObject.waitOnline(), bobPopupObject.waitOnline()]);
    const alicePopup = alicePopupObject.page;
    const bobPopup = bobPopupObject.page;
    await Promise.all([injectDriver(alicePopup, scripts), injectDriver(bobPopup, scripts)]);
    await trustPeer(bobPopup, aliceId);
    await trustPeer(alicePopup, bobId);
    const [aliceHost, bobHost] = await Promise.all([openQuietPage(alice, scripts), openQuietPage(bob, scripts)]);

    const [rawA, rawB] = await Promise.all([openRawPage(alice.context, web), openRawPage(bob.context, web)]);
    const suffix = Math.random().toString(36).slice(2, 8);
    const rawAId = `bench-raw-a-${suffix}`;
    const rawBId = `bench-raw-b-${suffix}`;
    const peerOptions = { host: '127.0.0.1', port: server.port, path: '/peerjs', key: 'peerjs' };
    await Promise.all([raw(rawA, 'peerStart', { id: rawAId, ...peerOptions }), raw(rawB, 'peerStart', { id: rawBId, ...peerOptions })]);
    const offer = await raw(rawA, 'rtcOffer');
    const answer = await raw(rawB, 'rtcAnswer', offer);
    await raw(rawA, 'rtcAccept', answer);
    await alicePopup.bringToFront();
    await bobPopup.bringToFront();
    // The trust reaches the peer host through storage → background → session/configure.
    await sleep(500);
    // Warm up the product once: the first connect also finds out whether the trust arrived.
    const first = await drive(alicePopup, 'connect', bobId);
    if (!first.ok) throw new Error(`first connect failed: ${first.error}`);
    const rawConnection = (await raw(rawA, 'peerConnect', rawBId)).connectionId;
    return {
      alice,
      bob,
      alicePopup,
      bobPopup,
      aliceHost,
      bobHost,
      aliceId,
      bobId,
      rawA,
      rawB,
      rawAId,
      rawBId,
      rawConnection,
      close: async () => {
        await Promise.all([alice.close(), bob.close()]);
      },
    };
  } catch (error) {
    await Promise.all([alice.close(), bob.close()]);
    throw error;
  }
}

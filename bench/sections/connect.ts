/**
 * Section 1, connect.
 *
 * Warm: from `session/connect` sent as the popup sends it to "connected" in the
 * state events of both users' pages, against raw PeerJS `peer.connect()` to
 * `open` on both sides between two plain pages (the stock bundle, the product's
 * connection options) on the same PeerServer, in the same two browsers,
 * alternating which goes first. Bob trusts Alice, so no person is asked.
 *
 * Cold: from launching the browser to its peer registered at the PeerServer
 * (the server's "peer joined" log line), for a profile that already has the
 * extension set up, against a plain browser that opens a page which registers
 * a PeerJS peer at once. Both are measured against the same server log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM, EXTENSION_DIR, TEST_EXTENSION_ID, type ServerProcess } from '../../tests/e2e/harness';
import { drive, raw, sleep, wall, type BenchWeb } from '../lib/browser';
import type { BenchConfig } from '../lib/config';
import type { BenchPair } from '../lib/pair';
import type { SectionResult } from '../lib/report';
import { summarize } from '../lib/stats';

/** Warm connects, interleaved. Leaves both the product and the PeerJS baseline connected. */
export async function measureWarmConnect(pair: BenchPair, config: BenchConfig, log: (line: string) => void): Promise<{
  productBoth: number[];
  productA: number[];
  productB: number[];
  productReply: number[];
  peerBoth: number[];
  peerA: number[];
}> {
  const { alicePopup, bobPopup, aliceId, bobId, rawA, rawB, rawBId } = pair;
  const out = { productBoth: [] as number[], productA: [] as number[], productB: [] as number[], productReply: [] as number[], peerBoth: [] as number[], peerA: [] as number[] };

  const productDisconnect = async (): Promise<void> => {
    const t = await drive(alicePopup, 'disconnect', bobId);
    await Promise.all([drive(bobPopup, 'peerReached', aliceId, 'disconnected', t), drive(alicePopup, 'peerReached', bobId, 'disconnected', t)]);
  };
  const product = async (): Promise<void> => {
    const c = await drive(alicePopup, 'connect', bobId);
    if (!c.ok) throw new Error(`connect failed: ${c.error}`);
    const [a, b] = await Promise.all([drive(alicePopup, 'peerReached', bobId, 'connected', c.t0), drive(bobPopup, 'peerReached', aliceId, 'connected', c.t0)]);
    out.productBoth.push(Math.max(a, b) - c.t0);
    out.productA.push(a - c.t0);
    out.productB.push(b - c.t0);
    out.productReply.push(c.replyAt - c.t0);
  };
  const peerjs = async (): Promise<void> => {
    const c = await raw(rawA, 'peerConnect', rawBId);
    pair.rawConnection = c.connectionId;
    await rawB.waitForFunction(
      (id) => (globalThis as unknown as { rawBench: { peerIncoming(id: string): { openAt?: number } | undefined } }).rawBench.peerIncoming(id)?.openAt,
      c.connectionId,
      { polling: 5 },
    );
    const b = (await raw(rawB, 'peerIncoming', c.connectionId))!;
    out.peerBoth.push(Math.max(c.openAt, b.openAt!) - c.t0);
    out.peerA.push(c.openAt - c.t0);
  };
  const peerClose = async (): Promise<void> => {
    await raw(rawA, 'peerClose');
    await rawB.waitForFunction(
      (id) => (globalThis as unknown as { rawBench: { peerIncoming(id: string): { closedAt?: number } | undefined } }).rawBench.peerIncoming(id)?.closedAt,
      pair.rawConnection,
      { polling: 5 },
    );
  };

  // Both start disconnected.
  await productDisconnect();
  await peerClose();
  for (let i = 0; i < config.connectReps; i++) {
    const steps = i % 2 === 0 ? [product, peerjs] : [peerjs, product];
    for (const step of steps) await step();
    // Settle both before the next repetition: closed on both sides.
    await productDisconnect();
    await peerClose();
    await sleep(100);
    if ((i + 1) % 10 === 0) log(`connect ${i + 1}/${config.connectReps}`);
  }
  // Leave both connected for the sections that follow (not counted).
  await product();
  await peerjs();
  for (const list of Object.values(out)) list.length = config.connectReps;
  return out;
}

/** The flags tests/e2e/harness.ts gives Chromium (not exported there), for the persistent profile of the cold start. */
const HARNESS_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=Translate,MediaRouter',
];

function launchProfile(dir: string, withExtension: boolean, url?: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...HARNESS_FLAGS,
      ...(withExtension ? [`--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`] : []),
      // Opened by the browser itself at start (Playwright refuses a bare URL argument): no Playwright round trip in the measured time.
      ...(url ? [`--app=${url}`] : []),
    ],
    viewport: { width: 1000, height: 800 },
  });
}

/** Waits until the server's log has `count` lines `line`; resolves with the wall time it was first seen (polled every ms). */
async function logLine(server: ServerProcess, line: string, count: number, timeoutMs = 30_000): Promise<number> {
  const deadline = wall() + timeoutMs;
  while (wall() < deadline) {
    if (server.output().split(line).length - 1 >= count) return wall();
    await sleep(1);
  }
  throw new Error(`no "${line}" in the PeerServer log`);
}

/** Cold starts, product and baseline interleaved. */
export async function measureColdStart(server: ServerProcess, web: BenchWeb, config: BenchConfig, log: (line: string) => void): Promise<{ product: number[]; baseline: number[]; productLaunch: number[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'sc-bench-cold-'));
  const plainProfile = mkdtempSync(join(tmpdir(), 'sc-bench-cold-plain-'));
  const out = { product: [] as number[], baseline: [] as number[], productLaunch: [] as number[] };
  try {
    // Set the profile up once, as a user would: PeerServer address in the options page.
    const setup = await launchProfile(profile, true);
    const options = await setup.newPage();
    await options.goto(`chrome-extension://${TEST_EXTENSION_ID}/options.html`);
    await options.getByTestId('option-host').fill('127.0.0.1');
    await options.getByTestId('option-port').fill(String(server.port));
    await options.getByTestId('save-options').click();
    await options.getByTestId('options-saved').waitFor();
    const popup = await setup.newPage();
    await popup.goto(`chrome-extension://${TEST_EXTENSION_ID}/popup.html`);
    await popup.locator('[data-testid="server-status"][data-status="online"]').waitFor({ timeout: 20_000 });
    const peerId = (await popup.getByTestId('my-peer-id').textContent())!.trim();
    await setup.close();
    await logLine(server, `peer left: ${peerId}`, 1);

    const rawId = `bench-cold-${Math.random().toString(36).slice(2, 8)}`;
    const rawUrl = `${web.url}/raw.html?autostart=${rawId}&port=${server.port}`;
    let productRuns = 0;
    let baselineRuns = 0;
    const product = async (): Promise<void> => {
      const t0 = wall();
      const context = await launchProfile(profile, true);
      out.productLaunch.push(wall() - t0);
      const registered = await logLine(server, `peer joined: ${peerId}`, ++productRuns + 1);
      out.product.push(registered - t0);
      await context.close();
      await logLine(server, `peer left: ${peerId}`, productRuns + 1);
    };
    const baseline = async (): Promise<void> => {
      const t0 = wall();
      const context = await launchProfile(plainProfile, false, rawUrl);
      const registered = await logLine(server, `peer joined: ${rawId}`, ++baselineRuns);
      out.baseline.push(registered - t0);
      await context.close();
      await logLine(server, `peer left: ${rawId}`, baselineRuns);
    };
    for (let i = 0; i < config.coldReps; i++) {
      for (const step of i % 2 === 0 ? [product, baseline] : [baseline, product]) await step();
      if ((i + 1) % 10 === 0) log(`cold start ${i + 1}/${config.coldReps}`);
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
    rmSync(plainProfile, { recursive: true, force: true });
  }
  return out;
}

/** Builds the section from the two measurements. */
export function connectSection(warm: Awaited<ReturnType<typeof measureWarmConnect>>, cold: Awaited<ReturnType<typeof measureColdStart>>): SectionResult {
  return {
    title: '1. Connect',
    comparisons: [
      {
        figure: 'warm connect: command to "connected" on both sides',
        unit: 'ms',
        product: summarize(warm.productBoth),
        baselines: [{ name: 'raw PeerJS connect() to open on both sides', summary: summarize(warm.peerBoth) }],
        note: 'Product: `session/connect` sent from the popup page to the `event/state` showing the peer connected, in both popups (Bob trusts Alice, so nobody is asked). Baseline: plain pages, stock PeerJS, same options (binary, reliable), same PeerServer and browsers.',
      },
      {
        figure: 'cold start: browser launch to peer registered',
        unit: 'ms',
        product: summarize(cold.product),
        baselines: [{ name: 'plain browser + page registering a PeerJS peer', summary: summarize(cold.baseline) }],
        note: 'From the launch call to the PeerServer logging the peer as joined. Product: an existing profile with the extension set up. Baseline: a plain profile opening a page that registers at once.',
      },
    ],
    measures: [
      { figure: 'warm connect: to "connected" at Alice (initiator)', unit: 'ms', summary: summarize(warm.productA) },
      { figure: 'warm connect: to "connected" at Bob', unit: 'ms', summary: summarize(warm.productB) },
      { figure: 'warm connect: to the connect command\'s reply at Alice', unit: 'ms', summary: summarize(warm.productReply) },
      { figure: 'raw PeerJS: connect() to open at A', unit: 'ms', summary: summarize(warm.peerA) },
      { figure: 'cold start: launch call returned (product profile)', unit: 'ms', summary: summarize(cold.productLaunch) },
    ],
    tables: [],
    notes: [],
    data: { warm, cold },
  };
}

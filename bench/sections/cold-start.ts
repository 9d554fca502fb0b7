/**
 * Section 1, connect: the cold start. From launching the browser to its peer registered
 * at the PeerServer (the server's "peer joined" log line), for a profile that already
 * has the extension set up, against a plain browser that opens a page which registers
 * a PeerJS peer at once. Both are measured against the same server log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM, CHROMIUM_FLAGS, EXTENSION_DIR, TEST_EXTENSION_ID, type ServerProcess } from '../../tests/e2e/harness';
import { devtools, sleep, wall, type BenchWeb } from '../lib/browser';
import type { BenchConfig } from '../lib/config';

function launchProfile(dir: string, withExtension: boolean, url?: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...CHROMIUM_FLAGS,
      ...(withExtension ? [`--disable-extensions-except=${EXTENSION_DIR}`, `--load-extension=${EXTENSION_DIR}`] : []),
      // To read when the registering document started and loaded (both kinds of launch alike).
      '--remote-debugging-port=0',
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

/** When the document that registers (offscreen document, or baseline page) started and finished loading, in wall ms. */
async function documentTimes(profile: string, urlMatch: RegExp): Promise<{ start: number; loaded: number }> {
  const expression =
    "JSON.stringify({ origin: performance.timeOrigin, load: performance.getEntriesByType('navigation')[0]?.loadEventEnd ?? 0 })";
  const [evaluated] = await devtools(profile, urlMatch, [{ evaluate: expression }]);
  const value = JSON.parse((evaluated!.result as { value: string }).value) as { origin: number; load: number };
  return { start: value.origin, loaded: value.origin + value.load };
}

/** Cold-start phases, in ms after the launch call. */
export interface ColdPhases {
  /** The registering document starts loading (its `performance.timeOrigin`). */
  documentStart: number;
  /** Its `load` event has ended. */
  documentLoaded: number;
  registered: number;
}

/** Cold starts, product and baseline interleaved. */
export async function measureColdStart(
  server: ServerProcess,
  web: BenchWeb,
  config: BenchConfig,
  log: (line: string) => void,
): Promise<{ product: number[]; baseline: number[]; productLaunch: number[]; productPhases: ColdPhases[]; baselinePhases: ColdPhases[] }> {
  const profile = mkdtempSync(join(tmpdir(), 'sc-bench-cold-'));
  const plainProfile = mkdtempSync(join(tmpdir(), 'sc-bench-cold-plain-'));
  const out = { product: [] as number[], baseline: [] as number[], productLaunch: [] as number[], productPhases: [] as ColdPhases[], baselinePhases: [] as ColdPhases[] };
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
      const doc = await documentTimes(profile, /\/offscreen\.html$/);
      out.productPhases.push({ documentStart: doc.start - t0, documentLoaded: doc.loaded - t0, registered: registered - t0 });
      await context.close();
      await logLine(server, `peer left: ${peerId}`, productRuns + 1);
    };
    const baseline = async (): Promise<void> => {
      const t0 = wall();
      const context = await launchProfile(plainProfile, false, rawUrl);
      const registered = await logLine(server, `peer joined: ${rawId}`, ++baselineRuns);
      out.baseline.push(registered - t0);
      const doc = await documentTimes(plainProfile, /\/raw\.html/);
      out.baselinePhases.push({ documentStart: doc.start - t0, documentLoaded: doc.loaded - t0, registered: registered - t0 });
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

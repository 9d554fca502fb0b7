/**
 * Section 6, footprint: bundle sizes of the built extension, popup
 * open-to-interactive, the offscreen document's process memory with 0, 1 and 5
 * connected peers, and what a long text history costs the popup.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, EXTENSION_DIR, TEST_EXTENSION_ID, User, type ServerProcess } from '../../tests/e2e/harness';
import { drive, extensionProcess, injectDriver, offscreenHeap, openRawPage, processMemory, raw, sleep, trustPeer, type BenchWeb, type PageScripts } from '../lib/browser';
import type { BenchConfig } from '../lib/config';
import type { BenchPair } from '../lib/pair';
import type { Measure, SectionResult, Table } from '../lib/report';
import { median, summarize } from '../lib/stats';

/** Files a page or script loads at start: its HTML's scripts, module preloads and styles, and every static import. */
export function bundleClosure(dir: string, entry: string): string[] {
  const seen = new Set<string>();
  const queue = [resolve(dir, entry)];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const refs: string[] = [];
    if (file.endsWith('.html')) {
      for (const match of text.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)) refs.push(match[1]!);
    } else if (file.endsWith('.js')) {
      for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*["']([^"']+\.js)["']/g)) refs.push(match[1]!);
    }
    for (const ref of refs) queue.push(ref.startsWith('/') ? join(dir, ref) : resolve(dirname(file), ref));
  }
  return [...seen];
}

function sizes(files: string[]): { bytes: number; gzip: number } {
  let bytes = 0;
  let gzip = 0;
  for (const file of files) {
    const content = readFileSync(file);
    bytes += content.byteLength;
    gzip += gzipSync(content).byteLength;
  }
  return { bytes, gzip };
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

function bundleTable(): Table {
  const entries: Array<[string, string]> = [
    ['popup', 'popup.html'],
    ['offscreen document', 'offscreen.html'],
    ['background service worker', 'background.js'],
    ['viewer', 'viewer.html'],
    ['options', 'options.html'],
  ];
  const rows = entries.map(([name, entry]) => {
    const files = bundleClosure(EXTENSION_DIR, entry);
    const size = sizes(files);
    return [name, files.length, size.bytes / 1024, size.gzip / 1024, files.map((f) => relative(EXTENSION_DIR, f)).join(', ')];
  });
  const total = sizes(allFiles(EXTENSION_DIR));
  rows.push(['whole extension (every file)', allFiles(EXTENSION_DIR).length, total.bytes / 1024, total.gzip / 1024, '']);
  return {
    title: 'Bundle sizes (test build, .output/chrome-mv3-test; the production build differs only by the manifest key)',
    columns: ['what', 'files', 'KiB', 'KiB gzipped', 'files loaded at start'],
    rows,
  };
}

/**
 * Records when the popup first shows its state: the peer ID rendered, so the
 * connect form and the rest are live (ms since navigation start). Runs before
 * the page's own scripts (Playwright init script).
 */
const INTERACTIVE_PROBE = `(() => {
  const check = () => {
    const id = document.querySelector('[data-testid="my-peer-id"]');
    if (id && id.textContent.trim() && window.__benchInteractive === undefined) {
      window.__benchInteractive = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { subtree: true, childList: true, characterData: true });
})();`;

/** Opens the popup (as a tab) `reps` times; returns ms from navigation start to interactive, and to first contentful paint. */
async function popupOpens(user: User, reps: number): Promise<{ interactive: number[]; fcp: number[] }> {
  const interactive: number[] = [];
  const fcp: number[] = [];
  for (let i = 0; i < reps; i++) {
    const page = await user.context.newPage();
    await page.addInitScript(INTERACTIVE_PROBE);
    await page.goto(`chrome-extension://${TEST_EXTENSION_ID}/popup.html`);
    await page.waitForFunction(() => (globalThis as unknown as { __benchInteractive?: number }).__benchInteractive !== undefined, undefined, { timeout: 30_000 });
    const times = await page.evaluate(() => ({
      interactive: (globalThis as unknown as { __benchInteractive: number }).__benchInteractive,
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
    }));
    interactive.push(times.interactive);
    fcp.push(times.fcp);
    await page.close();
    await sleep(100);
  }
  return { interactive, fcp };
}

/**
 * What the history left by the throughput run costs: the snapshot a popup loads on
 * opening, the one it asks for after 5 s without events (no history), and opening the popup.
 */
export async function historyFigures(
  pair: BenchPair,
  config: BenchConfig,
): Promise<{ messages: number; bytes: number; getStateMs: number[]; resyncMs: number[]; popupOpen: number[] }> {
  const getStateMs: number[] = [];
  const resyncMs: number[] = [];
  let messages = 0;
  let bytes = 0;
  const reps = config.quick ? 1 : 3;
  for (let i = 0; i < reps; i++) {
    const reply = await drive(pair.alicePopup, 'getState');
    getStateMs.push(reply.ms);
    messages = reply.messages;
    bytes = reply.bytes;
    resyncMs.push((await drive(pair.alicePopup, 'getState', 'port', false)).ms);
  }
  const opens = await popupOpens(pair.alice, reps);
  return { messages, bytes, getStateMs, resyncMs, popupOpen: opens.interactive };
}

async function memoryOf(pid: number, marker: string, settleMs: number, samples: number): Promise<{ heapMiB: number; privateMiB: number; pssMiB: number; rssMiB: number }> {
  await sleep(settleMs);
  // Full GCs first, so garbage of pages closed earlier does not count; the second, after the
  // allocator has had time to hand freed pages back, makes readings comparable from one to the next.
  await offscreenHeap(marker);
  await sleep(2000);
  const heap = await offscreenHeap(marker);
  await sleep(1000);
  const own: number[] = [];
  const pss: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < samples; i++) {
    const reading = processMemory(pid);
    own.push(reading.privateKiB / 1024);
    pss.push(reading.pssKiB / 1024);
    rss.push(reading.rssKiB / 1024);
    if (i < samples - 1) await sleep(1000);
  }
  return { heapMiB: heap.usedBytes / 2 ** 20, privateMiB: median(own), pssMiB: median(pss), rssMiB: median(rss) };
}

export async function footprintSection(
  server: ServerProcess,
  web: BenchWeb,
  scripts: PageScripts,
  config: BenchConfig,
  history: Awaited<ReturnType<typeof historyFigures>> | undefined,
  log: (line: string) => void,
): Promise<SectionResult> {
  const tables: Table[] = [bundleTable()];
  const measures: Measure[] = [];
  const carolName = 'bench-carol';
  // A DevTools port of its own, to collect garbage and read the offscreen document's heap.
  const carol = await User.launch(carolName, { extraArgs: ['--remote-debugging-port=0'] });
  let plain: Browser | undefined;
  try {
    await carol.useServer(server.port);
    const popup = await carol.openPopup();
    const carolId = await popup.waitOnline();
    // Carol lets the five baseline peers in without asking.
    const peerIds = Array.from({ length: 5 }, (_, i) => `bench-mem-${i}-${Math.random().toString(36).slice(2, 6)}`);
    for (const id of peerIds) await trustPeer(popup.page, id);
    await popup.page.close();
    await sleep(300);

    log('footprint: offscreen memory with 0, 1 and 5 peers');
    const pid = extensionProcess(`sc-${carolName}-`);
    if (pid === undefined) throw new Error("Carol's extension process was not found");
    const settle = config.quick ? 300 : 5000;
    const samples = config.quick ? 1 : 5;
    const marker = `sc-${carolName}-`;
    const memory: Array<{ peers: number; heapMiB: number; privateMiB: number; pssMiB: number; rssMiB: number }> = [];
    // The peers' browser runs from the start, so every reading sees the same neighbours.
    plain = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic'] });
    // Longer the first time: the setup pages closed just before.
    memory.push({ peers: 0, ...(await memoryOf(pid, marker, 2 * settle, samples)) });
    const pages: Page[] = [];
    const connectPeers = async (count: number): Promise<void> => {
      while (pages.length < count) {
        const page = await openRawPage(plain!, web);
        const id = peerIds[pages.length]!;
        await raw(page, 'peerStart', { id, host: '127.0.0.1', port: server.port, path: '/peerjs', key: 'peerjs' });
        await raw(page, 'peerConnect', carolId);
        pages.push(page);
      }
    };
    await connectPeers(1);
    memory.push({ peers: 1, ...(await memoryOf(pid, marker, settle, samples)) });
    await connectPeers(5);
    memory.push({ peers: 5, ...(await memoryOf(pid, marker, settle, samples)) });
    // Check that Carol counts them as connected (asked from a fresh popup, which is then closed).
    const check = await carol.openPopup();
    await injectDriver(check.page, scripts);
    const state = await drive(check.page, 'getState');
    const connected = state.state.peers.filter((p) => p.state === 'connected').length;
    await check.page.close();
    // Popup opens last: the pages they leave behind would blur the memory readings.
    log('footprint: popup opens');
    const opens = await popupOpens(carol, config.popupReps);
    measures.push(
      { figure: 'popup open to interactive (state shown), empty history', unit: 'ms', summary: summarize(opens.interactive), note: 'from navigation start; popup opened as a tab' },
      { figure: 'popup first contentful paint, empty history', unit: 'ms', summary: summarize(opens.fcp) },
    );
    if (history) {
      measures.push(
        {
          figure: `popup open to interactive, history of ${history.messages} texts (${(history.bytes / 1024 / 1024).toFixed(1)} MiB as JSON) left by the throughput run`,
          unit: 'ms',
          summary: summarize(history.popupOpen),
        },
        {
          figure: `session/get-state with that history (what a popup loads on opening)`,
          unit: 'ms',
          summary: summarize(history.getStateMs),
          note: `reply of ${(history.bytes / 1024 / 1024).toFixed(1)} MiB`,
        },
        {
          figure: `session/get-state without the history (what an open popup asks after 5 s without events)`,
          unit: 'ms',
          summary: summarize(history.resyncMs),
        },
      );
    }

    tables.push({
      title: "Carol's extension renderer process (offscreen document + service worker; no extension page open)",
      columns: ['connected peers', 'JS heap MiB (after GC)', 'JS heap over 0 peers', 'private dirty MiB', 'private dirty over 0 peers', 'PSS MiB', 'RSS MiB'],
      rows: memory.map((m) => [m.peers, m.heapMiB, m.heapMiB - memory[0]!.heapMiB, m.privateMiB, m.privateMiB - memory[0]!.privateMiB, m.pssMiB, m.rssMiB]),
      note: `${settle / 1000} s after each change, a full GC (DevTools HeapProfiler.collectGarbage), then the offscreen document's JS heap (Runtime.getHeapUsage) and the median of ${samples} readings of the process: private dirty = Private_Dirty of /proc/<pid>/smaps_rollup (what only this process wrote: heaps, stacks; unlike PSS it does not drop when the peers' browser maps the same Chromium pages), PSS = its Pss, RSS = VmRSS of /proc/<pid>/status. Peers are plain PeerJS pages in another browser; Carol reported ${connected} connected at the end.`,
    });
  } finally {
    await plain?.close().catch(() => {});
    await carol.close();
  }
  return { title: '6. Footprint', comparisons: [], measures, tables, notes: [] };
}

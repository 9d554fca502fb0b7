/**
 * Bench-side helpers around the e2e harness (tests/e2e/harness.ts): page scripts
 * bundled with esbuild, a loopback web server for the baseline and clock pages,
 * typed calls into those pages, and process memory from /proc.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { startStaticServer } from '../../tests/e2e/harness';
import type { BenchDriver } from '../pages/driver';
import type { ClockPage } from '../pages/clock';
import type { RawBench } from '../pages/raw';

/** The bench's page scripts, bundled for the browser (IIFE, no module loader needed). */
export interface PageScripts {
  raw: string;
  clock: string;
  driver: string;
}

const BENCH_DIR = resolve(import.meta.dirname, '..');

async function bundle(entry: string): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [join(BENCH_DIR, 'pages', entry)],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Bundles raw.ts, clock.ts and driver.ts (about 0.3 s). */
export async function bundlePageScripts(): Promise<PageScripts> {
  const [raw, clock, driver] = await Promise.all([bundle('raw.ts'), bundle('clock.ts'), bundle('driver.ts')]);
  return { raw, clock, driver };
}

/** The loopback web server of the baseline page (`/raw.html`) and the shared clock page (`/clock.html`). */
export interface BenchWeb {
  url: string;
  close(): Promise<void>;
}

/** Serves the bench pages and the stock PeerJS bundle on 127.0.0.1 (a free port). */
export async function startBenchWeb(scripts: PageScripts): Promise<BenchWeb> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-bench-web-'));
  writeFileSync(join(dir, 'raw.js'), scripts.raw);
  writeFileSync(join(dir, 'clock.js'), scripts.clock);
  const server = await startStaticServer({
    '/raw.html': join(BENCH_DIR, 'pages', 'raw.html'),
    '/clock.html': join(BENCH_DIR, 'pages', 'clock.html'),
    '/raw.js': join(dir, 'raw.js'),
    '/clock.js': join(dir, 'clock.js'),
    '/peerjs.min.js': resolve('node_modules/peerjs/dist/peerjs.min.js'),
  });
  return {
    url: server.url,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// tsx compiles the bench with esbuild's keepNames, which wraps named functions in `__name(...)`;
// a function passed to page.evaluate() would then fail in the page. The calls below pass only
// anonymous arrows, and the shim covers any that slip through.
const NAME_SHIM = 'globalThis.__name ??= (f) => f;';

/** Makes the driver available in an extension page (popup or viewer). Idempotent. */
export async function injectDriver(page: Page, scripts: PageScripts): Promise<void> {
  const present = await page.evaluate(() => 'benchDriver' in globalThis);
  if (!present) await page.evaluate(`${NAME_SHIM}\n${scripts.driver}`);
}

type Method<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];
type Fn<T, K extends keyof T> = T[K] extends (...args: infer A) => infer R ? { args: A; result: Awaited<R> } : never;

/** Calls `benchDriver[method](...args)` in `page` and returns its (serialisable) result. */
export function drive<K extends Method<BenchDriver>>(page: Page, method: K, ...args: Fn<BenchDriver, K>['args']): Promise<Fn<BenchDriver, K>['result']> {
  return page.evaluate(
    ([name, list]) => (globalThis as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>).benchDriver![name]!(...list),
    [method, args] as [string, unknown[]],
  ) as Promise<Fn<BenchDriver, K>['result']>;
}

/** Calls `rawBench[method](...args)` in a baseline page. */
export function raw<K extends Method<RawBench>>(page: Page, method: K, ...args: Fn<RawBench, K>['args']): Promise<Fn<RawBench, K>['result']> {
  return page.evaluate(
    ([name, list]) => (globalThis as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>).rawBench![name]!(...list),
    [method, args] as [string, unknown[]],
  ) as Promise<Fn<RawBench, K>['result']>;
}

/** Calls `clockPage[method]()` in the shared clock page. */
export function clock<K extends Method<ClockPage>>(page: Page, method: K): Promise<Fn<ClockPage, K>['result']> {
  return page.evaluate((name) => (globalThis as unknown as Record<string, Record<string, () => unknown>>).clockPage![name]!(), method as string) as Promise<
    Fn<ClockPage, K>['result']
  >;
}

/** Opens the baseline page in a browser context's new tab, with the name shim in place. */
export async function openRawPage(context: { newPage(): Promise<Page> }, web: BenchWeb): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${web.url}/raw.html`);
  await page.evaluate(NAME_SHIM);
  await page.waitForFunction(() => 'rawBench' in globalThis);
  return page;
}

/**
 * Lets `peerId` connect without asking, as the options page's trusted list
 * does: writes WXT's `local:trustedPeers` item (lib/storage.ts) from an
 * extension page; the background hands the new settings to the peer host.
 */
export async function trustPeer(extensionPage: Page, peerId: string): Promise<void> {
  await extensionPage.evaluate(async (id) => {
    const { trustedPeers = {} } = (await chrome.storage.local.get('trustedPeers')) as { trustedPeers?: Record<string, object> };
    await chrome.storage.local.set({ trustedPeers: { ...trustedPeers, [id]: { name: '', added: Date.now() } } });
  }, peerId);
}

/** Memory of one process, in KiB, from /proc. */
export interface ProcessMemory {
  pid: number;
  /** Resident set size (VmRSS). */
  rssKiB: number;
  /** Proportional set size (smaps_rollup Pss): shared pages divided among the processes sharing them. */
  pssKiB: number;
  /**
   * Private dirty memory (smaps_rollup Private_Dirty): pages only this process
   * has written, its heaps and stacks. Unlike Pss and Private_Clean it does not
   * change when another process starts mapping the same Chromium binary pages.
   */
  privateKiB: number;
}

/** Reads VmRSS, Pss and private dirty memory of `pid`. @throws when the process is gone. */
export function processMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (text: string, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { pid, rssKiB: kib(status, 'VmRSS'), pssKiB: kib(rollup, 'Pss'), privateKiB: kib(rollup, 'Private_Dirty') };
}

/**
 * The pid of the extension renderer process of the browser whose profile
 * directory name contains `profileMarker` (the harness names profiles
 * `sc-<user name>-XXXXXX`). Chromium marks that process `--extension-process`;
 * it runs the offscreen document, the service worker and any open extension page.
 */
export function extensionProcess(profileMarker: string): number | undefined {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    // Chromium rewrites a child's process title into one string, so match on the whole line.
    if (cmdline.includes('--type=renderer') && cmdline.includes('--extension-process') && new RegExp(`--user-data-dir=\\S*${profileMarker}`).test(cmdline)) {
      return Number(pid);
    }
  }
  return undefined;
}

function profileDir(profileMarker: string): string | undefined {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      // Arguments are NUL-separated, except where Chromium rewrote its process title into one string.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes('--type=')) continue;
      const dir = new RegExp(`--user-data-dir=(\\S*${profileMarker}\\S*)`).exec(cmdline)?.[1];
      if (dir) return dir;
    } catch {
      // The process ended meanwhile.
    }
  }
  return undefined;
}

/**
 * Runs DevTools protocol `methods` (in order, without parameters, or with
 * `Runtime.evaluate` of an expression) on the first target of the browser
 * whose profile directory is `dir` and whose URL matches `urlMatch`; returns
 * their results. The browser must run with `--remote-debugging-port=0` (it
 * then writes its port to `DevToolsActivePort` in the profile). Used where
 * Playwright cannot reach: it does not attach to offscreen documents
 * (target type `background_page`).
 */
export async function devtools(dir: string, urlMatch: RegExp, calls: Array<string | { evaluate: string }>): Promise<Array<Record<string, unknown>>> {
  const port = readFileSync(join(dir, 'DevToolsActivePort'), 'utf8').split('\n')[0];
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ url: string; webSocketDebuggerUrl: string }>;
  const target = targets.find((t) => urlMatch.test(t.url));
  if (!target) throw new Error(`no DevTools target matches ${urlMatch}`);
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolveOpen, reject) => {
    socket.once('open', resolveOpen);
    socket.once('error', reject);
  });
  let nextId = 0;
  const call = (method: string, params?: object): Promise<Record<string, unknown>> =>
    new Promise((resolveCall, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), 10_000);
      const onMessage = (data: WebSocket.RawData): void => {
        const message = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        if (message.id !== id) return;
        clearTimeout(timer);
        socket.off('message', onMessage);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolveCall(message.result ?? {});
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method, ...(params ? { params } : {}) }));
    });
  try {
    const results: Array<Record<string, unknown>> = [];
    for (const c of calls) {
      results.push(typeof c === 'string' ? await call(c) : await call('Runtime.evaluate', { expression: c.evaluate, returnByValue: true }));
    }
    return results;
  } finally {
    socket.close();
  }
}

/**
 * The offscreen document's JavaScript heap after a full garbage collection, in
 * bytes (`HeapProfiler.collectGarbage`, `Runtime.getHeapUsage`), for a browser
 * started with `--remote-debugging-port=0` whose profile folder name contains
 * `profileMarker`. The heap is the renderer's main-thread heap, shared by every
 * extension page open in that process: read it with none open.
 */
export async function offscreenHeap(profileMarker: string): Promise<{ usedBytes: number; totalBytes: number }> {
  const dir = profileDir(profileMarker);
  if (!dir) throw new Error(`no browser with a profile like ${profileMarker}`);
  const [, usage] = await devtools(dir, /\/offscreen\.html$/, ['HeapProfiler.collectGarbage', 'Runtime.getHeapUsage']);
  return { usedBytes: usage!.usedSize as number, totalBytes: usage!.totalSize as number };
}

/** Sleeps `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Wall-clock ms with sub-ms resolution, on the same clock as the pages' `performance.timeOrigin + performance.now()`. */
export const wall = (): number => performance.timeOrigin + performance.now();

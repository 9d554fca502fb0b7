/**
 * End-to-end harness: real Chromium profiles with the built extension
 * (`npm run build:test`), one per user, and the servers and page objects the
 * tests use (`servers.ts`, `pages.ts`). Nothing is mocked.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';
import { PopupPage } from './pages';
import { startServer, type ServerProcess } from './servers';

export * from './pages';
export * from './servers';

/** ID of test builds, fixed by the manifest `key` in wxt.config.ts. */
export const TEST_EXTENSION_ID = 'eckaaojiagbcnejnoafidgiohmpaekia';
/** Output of `wxt build --mode test`. */
export const EXTENSION_DIR = resolve('.output/chrome-mv3-test');
export const CHROMIUM = '/usr/bin/chromium';

/** Flags found necessary on these machines (shared/notes/e2e-on-this-machine.md). */
/** Flags every test browser gets (also used by the bench's cold-start profile). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-features=Translate,MediaRouter',
];

/** Options of {@link launchUser}. */
export interface LaunchOptions {
  headless?: boolean;
  /** Environment of the browser process (e.g. `DISPLAY` for a headed run under Xvfb). */
  env?: Record<string, string>;
  extraArgs?: string[];
  /** Keep sound on (Playwright's headless mode adds `--mute-audio`, which silences captured tab audio). */
  unmuted?: boolean;
  /**
   * A real window size instead of Playwright's viewport emulation, so that pages and
   * `tabs.Tab.width/height` agree (tab capture sizes frames by the tab). Headless
   * Chromium keeps 87 px of the window for its frame.
   */
  windowSize?: { width: number; height: number };
}

/** One person: a Chromium profile with the extension installed. */
export class User {
  /** Users whose browser runs, for the logs printed when a test fails (`setup.ts`). */
  static readonly live = new Set<User>();

  private constructor(
    readonly name: string,
    public context: BrowserContext,
    private readonly profileDir: string,
    private readonly options: LaunchOptions,
  ) {
    User.live.add(this);
  }

  /**
   * The extension's console lines (`[secureconnect] …`) from every page of this browser, the
   * last `count`: Chromium writes them to `chrome.log` in the profile (`--enable-logging`).
   */
  logLines(count = 80): string[] {
    let text = '';
    try {
      text = readFileSync(join(this.profileDir, 'chrome.log'), 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line.includes('[secureconnect]'))
      .slice(-count)
      .map((line) => line.replace(/^\[[^\]]*\] /, '').replace(/, source: chrome-extension:\/\/[a-z]+\//, ' @ '));
  }

  /** Starts Chromium with a fresh profile and the test build of the extension. */
  static async launch(name: string, options: LaunchOptions = {}): Promise<User> {
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) {
      throw new Error(`No test build at ${EXTENSION_DIR}: run "npm run build:test" first.`);
    }
    const profileDir = mkdtempSync(join(tmpdir(), `sc-${name}-`));
    return new User(name, await User.start(profileDir, options), profileDir, options);
  }

  private static start(profileDir: string, options: LaunchOptions): Promise<BrowserContext> {
    return chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: options.headless ?? true,
      args: [
        ...CHROMIUM_FLAGS,
        // The extension's console goes to a file, printed when a test fails.
        '--enable-logging',
        '--v=0',
        `--log-file=${join(profileDir, 'chrome.log')}`,
        `--disable-extensions-except=${EXTENSION_DIR}`,
        `--load-extension=${EXTENSION_DIR}`,
        ...(options.windowSize ? [`--window-size=${options.windowSize.width},${options.windowSize.height}`] : []),
        ...(options.extraArgs ?? []),
      ],
      ...(options.env ? { env: { ...process.env, ...options.env } as Record<string, string> } : {}),
      ...(options.unmuted ? { ignoreDefaultArgs: ['--mute-audio'] } : {}),
      viewport: options.windowSize ? null : { width: 1000, height: 800 },
    });
  }

  /** Quits the browser and starts it again on the same profile (settings and IDs kept). */
  async restart(): Promise<void> {
    await this.context.close();
    this.context = await User.start(this.profileDir, this.options);
  }

  /** The extension's service worker. */
  async serviceWorker(): Promise<Worker> {
    const existing = this.context.serviceWorkers().find((w) => w.url().includes(TEST_EXTENSION_ID));
    return existing ?? (await this.context.waitForEvent('serviceworker', { timeout: 15_000 }));
  }

  /** Opens an extension page (`popup.html`, `options.html`) in a tab. */
  async openExtensionPage(path: string): Promise<Page> {
    const page = await this.context.newPage();
    await page.goto(`chrome-extension://${TEST_EXTENSION_ID}/${path}`);
    return page;
  }

  /** Opens the popup (as a tab, so the test can keep it open). */
  async openPopup(): Promise<PopupPage> {
    return new PopupPage(await this.openExtensionPage('popup.html'));
  }

  /**
   * Points the extension at a PeerServer through the options page, as a user would,
   * with `fallbacks` (addresses such as `ws://127.0.0.1:9001/peerjs`) as the other servers to fail over to.
   */
  async useServer(port: number, host = '127.0.0.1', fallbacks: string[] = []): Promise<void> {
    const page = await this.openExtensionPage('options.html');
    await page.getByTestId('option-host').fill(host);
    await page.getByTestId('option-port').fill(String(port));
    for (const [index, address] of fallbacks.entries()) {
      await page.getByTestId('add-fallback').click();
      await page.getByTestId('fallback-url').nth(index).fill(address);
    }
    await page.getByTestId('save-options').click();
    await page.getByTestId('options-saved').waitFor();
    await page.close();
  }

  /**
   * Sets ICE options through the options page, as a user would: replaces the ICE
   * server rows with `servers`, and sets the TURN-credentials and relay-only switches.
   */
  async configureIce(options: { servers?: Array<{ url: string; username?: string; credential?: string }>; turnFromServer?: boolean; relayOnly?: boolean }): Promise<void> {
    const page = await this.openExtensionPage('options.html');
    const rows = page.getByTestId('ice-row');
    while ((await rows.count()) > 0) await rows.first().getByRole('button').click();
    for (const [index, server] of (options.servers ?? []).entries()) {
      await page.getByTestId('add-ice').click();
      const row = rows.nth(index);
      await row.getByTestId('ice-url').fill(server.url);
      if (server.username) await row.getByTestId('ice-username').fill(server.username);
      if (server.credential) await row.getByTestId('ice-credential').fill(server.credential);
    }
    await page.getByTestId('option-turn-from-server').setChecked(options.turnFromServer ?? false);
    await page.getByTestId('option-relay-only').setChecked(options.relayOnly ?? false);
    await page.getByTestId('save-options').click();
    await page.getByTestId('options-saved').waitFor();
    await page.close();
  }

  async close(): Promise<void> {
    User.live.delete(this);
    await this.context.close().catch(() => {});
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}

/** Two users (A and B) online on one PeerServer, optionally connected A → B. */
export interface Pair {
  server: ServerProcess;
  alice: User;
  bob: User;
  alicePopup: PopupPage;
  bobPopup: PopupPage;
  aliceId: string;
  bobId: string;
  close(): Promise<void>;
}

/** Starts a PeerServer and two users pointed at it, with popups open; connects A to B when `connect`. */
export async function startPair(
  options: { alice?: LaunchOptions; bob?: LaunchOptions; connect?: boolean; serverEnv?: Record<string, string> } = {},
): Promise<Pair> {
  const server = await startServer(0, options.serverEnv);
  const [alice, bob] = await Promise.all([User.launch('alice', options.alice), User.launch('bob', options.bob)]);
  await Promise.all([alice.useServer(server.port), bob.useServer(server.port)]);
  const [alicePopup, bobPopup] = await Promise.all([alice.openPopup(), bob.openPopup()]);
  const [aliceId, bobId] = await Promise.all([alicePopup.waitOnline(), bobPopup.waitOnline()]);
  if (options.connect) {
    await alicePopup.connect(bobId);
    // B does not know A yet: B's user is asked, and accepts.
    await bobPopup.answerRequest(aliceId);
    await alicePopup.waitPeer(bobId, 'connected');
  }
  const pair: Pair = {
    server,
    alice,
    bob,
    alicePopup,
    bobPopup,
    aliceId,
    bobId,
    close: async () => {
      await Promise.all([alice.close(), bob.close()]);
      // The test may have replaced the server (restarted it).
      await pair.server.kill();
    },
  };
  return pair;
}

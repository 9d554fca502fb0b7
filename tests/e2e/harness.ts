/**
 * End-to-end harness: a real PeerServer in a child process and real Chromium
 * profiles with the built extension (`npm run build:test`). Nothing is mocked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core';

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

/** A PeerServer run by `npm run server` in a child process. */
export interface ServerProcess {
  port: number;
  /** Kills the process at once (SIGKILL), like a crash. */
  kill(): Promise<void>;
  output(): string;
}

/**
 * Starts `server/cli.ts` on `port` (0: a free one) and waits until it listens.
 * @throws when it does not listen within 15 s.
 */
export async function startServer(port = 0, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', resolve('server/cli.ts'), '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let output = '';
  const listening = new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`PeerServer did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on wss?:\/\/[^:]+:(\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PeerServer exited with ${code}:\n${output}`));
    });
  });
  const actualPort = await listening;
  return {
    port: actualPort,
    output: () => output,
    kill: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGKILL');
      }),
  };
}

/** A coturn TURN server on loopback. */
export interface TurnProcess {
  port: number;
  /** `turn:127.0.0.1:<port>?transport=udp`. */
  url: string;
  /** Kills it at once (SIGKILL): its allocations vanish without a word, like a crashed relay. */
  kill(): Promise<void>;
  output(): string;
}

let turnPorts = 0;

/**
 * Starts Debian's coturn on 127.0.0.1 with `use-auth-secret` (time-limited
 * credentials, the scheme `server/` mints) and waits until it answers a STUN
 * Binding request. `--allow-loopback-peers`: both peers and the relay are on
 * 127.0.0.1 here, which coturn refuses by default (a relay must not reach its own host).
 * @throws when it does not answer within 30 s.
 */
export async function startTurn(secret: string, port?: number): Promise<TurnProcess> {
  const listen = port ?? (await freeUdpPort());
  // Each instance relays on its own port range, so two can run side by side.
  const first = 50_000 + (turnPorts++ % 20) * 500;
  const pidDir = mkdtempSync(join(tmpdir(), 'sc-turn-'));
  const child = spawn(
    '/usr/bin/turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${listen}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=secureconnect.test',
      '--allow-loopback-peers',
      '--fingerprint',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      `--min-port=${first}`,
      `--max-port=${first + 499}`,
      `--pidfile=${join(pidDir, 'turnserver.pid')}`,
      `--userdb=${join(pidDir, 'turndb')}`,
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Usually under a second; generous because the other core may be busy.
  const deadline = Date.now() + 30_000;
  while (!(await stunAnswers(listen))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`coturn did not start on ${listen}:\n${output}`);
    }
  }
  return {
    port: listen,
    url: `turn:127.0.0.1:${listen}?transport=udp`,
    output: () => output,
    kill: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => {
          rmSync(pidDir, { recursive: true, force: true });
          done();
        });
        child.kill('SIGKILL');
      }),
  };
}

/** A TCP relay in front of a server, which can cut its clients off without the server noticing. */
export interface TcpProxy {
  port: number;
  /**
   * Drops every client connection at once while keeping the server side open: to the
   * client it is a lost network, to the server a client that is still there (a ghost).
   */
  cutClients(): void;
  close(): Promise<void>;
}

/** Starts a {@link TcpProxy} on 127.0.0.1 in front of `127.0.0.1:targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const clients = new Set<Socket>();
  const upstreams = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    clients.add(client);
    upstreams.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => clients.delete(client));
    upstream.on('close', () => {
      upstreams.delete(upstream);
      client.destroy();
    });
    client.on('error', () => {});
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    cutClients: () => {
      for (const client of clients) {
        // Unpipe first, so the upstream (the server's view) stays open and silent.
        client.unpipe();
        client.destroy();
      }
      clients.clear();
    },
    close: () =>
      new Promise<void>((done) => {
        for (const socket of [...clients, ...upstreams]) socket.destroy();
        server.close(() => done());
      }),
  };
}

/** A UDP port that is free now. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  const { port } = socket.address();
  await new Promise<void>((done) => socket.close(() => done()));
  return port;
}

/** Sends one STUN Binding request (RFC 8489 section 5) and waits 200 ms for a success response. */
async function stunAnswers(port: number): Promise<boolean> {
  const socket = createSocket('udp4');
  const request = Buffer.alloc(20);
  request.writeUInt16BE(0x0001, 0); // Binding request
  request.writeUInt32BE(0x2112a442, 4); // magic cookie
  randomFillSync(request, 8, 12);
  try {
    return await new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), 200);
      socket.on('message', (message) => {
        clearTimeout(timer);
        done(message.readUInt16BE(0) === 0x0101);
      });
      socket.on('error', () => {
        clearTimeout(timer);
        done(false);
      });
      socket.send(request, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

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
  private constructor(
    readonly name: string,
    public context: BrowserContext,
    private readonly profileDir: string,
    private readonly options: LaunchOptions,
  ) {}

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

  /** Points the extension at a PeerServer through the options page, as a user would. */
  async useServer(port: number, host = '127.0.0.1'): Promise<void> {
    const page = await this.openExtensionPage('options.html');
    await page.getByTestId('option-host').fill(host);
    await page.getByTestId('option-port').fill(String(port));
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
    await this.context.close().catch(() => {});
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}

/** Page object of the popup, driven by its `data-testid` hooks. */
export class PopupPage {
  constructor(readonly page: Page) {}

  /** Waits until registered with the PeerServer; returns the peer ID shown. */
  async waitOnline(timeout = 20_000): Promise<string> {
    await this.page.locator('[data-testid="server-status"][data-status="online"]').waitFor({ timeout });
    return (await this.page.getByTestId('my-peer-id').textContent())!.trim();
  }

  serverStatus() {
    return this.page.getByTestId('server-status');
  }

  peerItem(peerId: string) {
    return this.page.locator(`[data-testid="peer-item"][data-peer-id="${peerId}"]`);
  }

  /** Waits until `peerId` is listed with `state`. */
  async waitPeer(peerId: string, state: 'connecting' | 'connected' | 'disconnected', timeout = 15_000): Promise<void> {
    await this.page.locator(`[data-testid="peer-item"][data-peer-id="${peerId}"][data-state="${state}"]`).waitFor({ timeout });
  }

  /**
   * Waits until the popup shows the connection to `peerId` as lost: not connected, with a
   * recorded drop. After a loss the product redials by itself, so the state itself flips
   * between disconnected and connecting; the drop mark stays until the peer is back.
   */
  async waitLost(peerId: string, timeout = 15_000): Promise<void> {
    await this.page
      .locator(`[data-testid="peer-item"][data-peer-id="${peerId}"][data-drop-at]:not([data-state="connected"])`)
      .waitFor({ timeout });
  }

  async connect(peerId: string): Promise<void> {
    await this.page.getByTestId('peer-id-input').fill(peerId);
    await this.page.getByTestId('connect-button').click();
  }

  /** Answers the connection request of `peerId` (an untrusted peer asks first). */
  async answerRequest(peerId: string, answer: 'accept' | 'decline' | 'block' = 'accept', timeout = 15_000): Promise<void> {
    await this.peerItem(peerId).getByTestId(`consent-${answer}`).click({ timeout });
  }

  /** Types `text` and presses Send; the target is the selected peer. */
  async send(text: string): Promise<void> {
    await this.page.getByTestId('text-input').fill(text);
    await this.page.getByTestId('send-text-button').click();
  }

  messages(direction?: 'in' | 'out') {
    return this.page.locator(direction ? `[data-testid="message"][data-direction="${direction}"]` : '[data-testid="message"]');
  }

  /** Texts of the messages in one direction, oldest first. */
  async texts(direction: 'in' | 'out'): Promise<string[]> {
    const texts = await this.messages(direction).getByTestId('message-text').allTextContents();
    return texts.reverse();
  }

  error() {
    return this.page.getByTestId('error');
  }

  /** Opens the connection panel of `peerId` (if closed) and returns it. */
  async linkPanel(peerId: string) {
    const panel = this.peerItem(peerId).getByTestId('link-panel');
    if (!(await panel.isVisible())) await this.peerItem(peerId).getByTestId('link-details').click();
    await panel.waitFor();
    return panel;
  }

  /** The newest share in the list with this direction and (optionally) state. */
  share(direction: 'in' | 'out', state?: string) {
    const stateSelector = state ? `[data-state="${state}"]` : '';
    return this.page.locator(`[data-testid="share-item"][data-direction="${direction}"]${stateSelector}`).last();
  }
}

/** Figures the viewer's overlay shows, read from its data attributes. */
export interface ViewerFigures {
  width: number;
  height: number;
  fps: number;
  framesDecoded: number;
  audioEnergy: number;
  kbps: number;
}

/** Page object of the viewer. */
export class ViewerPage {
  constructor(readonly page: Page) {}

  async figures(): Promise<ViewerFigures> {
    const stats = this.page.getByTestId('viewer-stats');
    await stats.waitFor({ timeout: 15_000 });
    const read = async (name: string): Promise<number> => Number(await stats.getAttribute(`data-${name}`));
    return {
      width: await read('width'),
      height: await read('height'),
      fps: await read('fps'),
      framesDecoded: await read('frames-decoded'),
      audioEnergy: await read('audio-energy'),
      kbps: await read('kbps'),
    };
  }

  ended() {
    return this.page.getByTestId('share-ended');
  }
}

/** A tiny HTTP server on 127.0.0.1 for test pages; `routes` maps a path to a file. */
export async function startStaticServer(routes: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import('node:http');
  const { readFile } = await import('node:fs/promises');
  const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
  const server = createServer((req, res) => {
    const file = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': types[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A virtual X display for headed Chromium (native menus, real user gestures). */
export interface XDisplay {
  /** Value for `DISPLAY`, e.g. `:99`. */
  display: string;
  stop(): Promise<void>;
}

/** Starts Xvfb on a free display number (`-displayfd`), 1920x1080x24. */
export async function startXvfb(): Promise<XDisplay> {
  const child = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1920x1080x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const number = await new Promise<string>((done, reject) => {
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start:\n${stderr}`)), 10_000);
    child.stdout!.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      done(chunk.toString().trim());
    });
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}:\n${stderr}`)));
  });
  return {
    display: `:${number}`,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs `xdotool` with `args` on `display`. */
export async function xdotool(display: string, ...args: string[]): Promise<void> {
  await new Promise<void>((done, reject) => {
    const child = spawn('xdotool', args, { env: { ...process.env, DISPLAY: display }, stdio: 'ignore' });
    child.once('exit', (code) => (code === 0 ? done() : reject(new Error(`xdotool ${args.join(' ')} exited with ${code}`))));
  });
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

/**
 * Attacker helpers for the attack regression tests (tests/e2e/attack-*.test.ts):
 * a stock PeerServer without our hardening, a plain Chromium running the stock
 * PeerJS bundle (fixtures/attacker.html), raw WebSocket clients speaking the
 * PeerServer protocol, and DevTools access to the victim's offscreen document.
 * Loopback only.
 */
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { PeerServer } from 'peer';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { expect } from 'vitest';
import { CHROMIUM, startStaticServer, TEST_EXTENSION_ID, User, type PopupPage } from './harness';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A stock `peer` PeerServer in this process: path `/peerjs`, key `peerjs`, nothing of ours. */
export async function startStockServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = await new Promise<import('node:http').Server>((done) => {
    const app = PeerServer({ host: '127.0.0.1', port: 0, path: '/peerjs', key: 'peerjs' }, (s) => done(s as import('node:http').Server));
    // The stock server emits unhandled `error`s for bad input; they must not end the test process.
    app.on('error', () => {});
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** What every attack file needs: the web server for the attacker page and a plain Chromium. */
export interface AttackerKit {
  web: Awaited<ReturnType<typeof startStaticServer>>;
  browser: Browser;
  /** A fresh attacker page (fixtures/attacker.html) in the plain browser. */
  page(): Promise<AttackerPage>;
  close(): Promise<void>;
}

export async function startAttackerKit(): Promise<AttackerKit> {
  const web = await startStaticServer({
    '/': resolve('tests/e2e/fixtures/attacker.html'),
    '/peerjs.min.js': resolve('node_modules/peerjs/dist/peerjs.min.js'),
    // A page for the victim to share (it is not the attacker's).
    '/motion': resolve('tests/e2e/fixtures/motion.html'),
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic'] });
  return {
    web,
    browser,
    page: async () => {
      const page = await browser.newPage();
      await page.goto(web.url);
      return new AttackerPage(page);
    },
    close: async () => {
      await browser.close().catch(() => {});
      await web.close();
    },
  };
}

export interface AttackerLog {
  data: Array<{ peer: string; index: number; data: { type?: string; text?: string; id?: string } }>;
  calls: Array<{ peer: string; metadata: unknown; at: number }>;
  opened: Array<{ peer: string; index: number; at: number }>;
  closed: Array<{ peer: string; index: number }>;
  signaling: Array<{ type: string; src?: string; at: number; candidate?: string }>;
  errors: string[];
  /** The fingerprint lines of the SDPs sent after the sha-512 rewrite. */
  sentFingerprints: string[];
}

/** The `hello` an attacker peer sends. */
export interface Hello {
  name: string;
  app?: string;
}

export interface StartOptions {
  id: string;
  port: number;
  host?: string;
  path?: string;
  /** Keep trying to register for this long while the ID is taken. */
  retryMs?: number;
  /** Present an `a=fingerprint:sha-512` line (of the real certificate) instead of sha-256. */
  sha512?: boolean;
  /** Send a `hello` on every connection that opens (`app` 'secureconnect' unless given); null: no hello. */
  hello?: Hello | null;
}

type Fn = (...args: never[]) => unknown;
type Api = Record<string, Fn> & { log: AttackerLog };

/** Drives fixtures/attacker.html. */
export class AttackerPage {
  constructor(readonly page: Page) {}

  private call<T>(name: string, ...args: unknown[]): Promise<T> {
    return this.page.evaluate(
      ([n, a]) => ((window as unknown as { A: Api }).A[n as string] as unknown as (...x: unknown[]) => unknown)(...(a as unknown[])),
      [name, args] as const,
    ) as Promise<T>;
  }

  /** Registers a peer; returns its index. */
  start(options: StartOptions): Promise<number> {
    return this.call('start', { host: '127.0.0.1', hello: { name: '' }, ...options });
  }

  /** Peer `peer` dials `target`; returns the connection's index. */
  connect(peer: number, target: string, options: { hello?: Hello | null; serialization?: string } = {}): Promise<number> {
    return this.call('connect', peer, target, { hello: { name: '' }, ...options });
  }

  state(conn: number): Promise<{ open: boolean; remoteDescription: boolean; remoteSdp: string }> {
    return this.call('state', conn);
  }

  text(conn: number, id: string, text: string): Promise<void> {
    return this.call('text', conn, id, text);
  }

  /** Sends a text on every open connection with `peer`; returns how many there were. */
  textAll(peer: string, id: string, text: string): Promise<number> {
    return this.call('textAll', peer, id, text);
  }

  textFlood(conn: number, count: number): Promise<void> {
    return this.call('textFlood', conn, count);
  }

  chunkFlood(conn: number, bytes: number, ms: number): Promise<number> {
    return this.call('chunkFlood', conn, bytes, ms);
  }

  relay(options: StartOptions & { a: string; b: string; drop: string }): Promise<void> {
    return this.call('relay', { host: '127.0.0.1', ...options });
  }

  log(): Promise<AttackerLog> {
    return this.page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { A: Api }).A.log)) as AttackerLog);
  }

  /** Texts (type `text`) the attacker received. */
  async texts(): Promise<string[]> {
    return (await this.log()).data.filter((d) => d.data?.type === 'text').map((d) => String(d.data.text));
  }
}

/** A raw WebSocket client registered with a PeerServer under `id`, speaking its JSON protocol. */
export async function rawClient(port: number, id: string, path = '/peerjs'): Promise<{ send(message: object): void; received: Array<{ type: string }>; close(): void }> {
  const token = Math.random().toString(36).slice(2);
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}/peerjs?key=peerjs&id=${encodeURIComponent(id)}&token=${token}`);
  const received: Array<{ type: string }> = [];
  socket.on('message', (raw) => received.push(JSON.parse(String(raw)) as { type: string }));
  socket.on('error', () => {});
  await new Promise<void>((done, reject) => {
    const timer = setTimeout(() => reject(new Error(`${id}: no OPEN from the PeerServer`)), 5000);
    socket.on('message', () => {
      if (received.some((m) => m.type === 'OPEN')) {
        clearTimeout(timer);
        done();
      }
    });
  });
  return { send: (message) => socket.send(JSON.stringify(message)), received, close: () => socket.close() };
}

/** A syntactically valid data-channel offer (random ICE credentials and fingerprint) that will never connect. */
export function fakeOfferSdp(): string {
  const rand = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 36).toString(36)).join('');
  const fp = Array.from({ length: 32 }, () => Math.floor(Math.random() * 256).toString(16).padStart(2, '0').toUpperCase()).join(':');
  return [
    'v=0',
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    `a=ice-ufrag:${rand(8)}`,
    `a=ice-pwd:${rand(24)}`,
    'a=ice-options:trickle',
    `a=fingerprint:sha-256 ${fp}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
    '',
  ].join('\r\n');
}

/** A data-connection OFFER as PeerJS sends it, to `dst`. */
export function offerMessage(dst: string, overrides: Record<string, unknown> = {}): object {
  const connectionId = `dc_${Math.random().toString(36).slice(2, 12)}`;
  return {
    type: 'OFFER',
    dst,
    payload: {
      type: 'data',
      connectionId,
      serialization: 'binary',
      reliable: true,
      metadata: { app: 'secureconnect', protocol: 1 },
      label: connectionId,
      sdp: { type: 'offer', sdp: fakeOfferSdp() },
      browser: 'chrome',
      ...overrides,
    },
  };
}

/** Launches a victim with a DevTools port (for {@link offscreenCdp}), pointed at `port`; returns it with its popup and ID. */
export async function launchVictim(name: string, port: number, extraArgs: string[] = []): Promise<{ user: User; popup: PopupPage; id: string }> {
  const user = await User.launch(name, { extraArgs: ['--remote-debugging-port=0', ...extraArgs] });
  await user.useServer(port);
  const popup = await user.openPopup();
  const id = await popup.waitOnline();
  return { user, popup, id };
}

type Victim = Awaited<ReturnType<typeof launchVictim>>;

/** Two victims on `port`, A dialled B and B accepted; A may capture tabs. Both are pushed to `users` for cleanup. */
export async function connectedPair(port: number, users: User[]): Promise<{ a: Victim; b: Victim }> {
  const [a, b] = await Promise.all([
    launchVictim('alice', port, [`--allowlisted-extension-id=${TEST_EXTENSION_ID}`, '--autoplay-policy=no-user-gesture-required']),
    launchVictim('bob', port),
  ]);
  users.push(a.user, b.user);
  await a.popup.connect(b.id);
  await b.popup.answerRequest(a.id);
  await a.popup.waitPeer(b.id, 'connected');
  await b.popup.waitPeer(a.id, 'connected');
  return { a, b };
}

/**
 * B's browser closes; A notices and types `text` (queued); then the attacker takes B's ID
 * (retrying while the PeerServer still holds it). Returns 8 s after A's redial reached the attacker.
 */
export async function takeOver(kit: AttackerKit, port: number, a: Victim, b: Victim, text: string, sha512 = false): Promise<AttackerPage> {
  await b.user.close();
  await a.popup.waitLost(b.id, 20_000);
  await a.popup.send(text);
  await expect.poll(() => a.popup.messages('out').first().getAttribute('data-status')).toBe('queued');
  const attacker = await kit.page();
  await attacker.start({ id: b.id, port, retryMs: 20_000, sha512, hello: { name: '' } });
  await expect.poll(async () => (await attacker.log()).opened.length, { timeout: 30_000 }).toBeGreaterThan(0);
  await sleep(8000);
  return attacker;
}

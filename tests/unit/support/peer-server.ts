/**
 * Raw clients for attacking a PeerServer in tests: the real `server/cli.ts` in a
 * child process (so a crash shows as an exit), WebSocket clients that speak the
 * PeerJS signaling protocol by hand, and a TCP socket that writes WebSocket
 * frames byte by byte after the HTTP upgrade. Loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import WebSocket from 'ws';

/** `server/cli.ts` running in a child process. */
export interface PeerServerProcess {
  port: number;
  /** `ws://127.0.0.1:<port>/peerjs/peerjs` (append the query). */
  wsBase: string;
  /** `http://127.0.0.1:<port>`. */
  httpBase: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Exit code or signal once it has exited, `undefined` while it runs. */
  exited(): string | undefined;
  /** Kills it (SIGKILL) and waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts `node --import tsx server/cli.ts --port <port>` and reads the port from its banner.
 * @param port 0: a free one.
 * @throws when it does not listen within 15 s or exits first.
 */
export async function spawnPeerServer(env: Record<string, string> = {}, port = 0): Promise<PeerServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', resolve('server/cli.ts'), '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = `exit ${code ?? signal ?? '?'}`;
  });
  const listening = await new Promise<number>((resolvePort, reject) => {
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
  return {
    port: listening,
    wsBase: `ws://127.0.0.1:${listening}/peerjs/peerjs`,
    httpBase: `http://127.0.0.1:${listening}`,
    output: () => output,
    exited: () => exit,
    kill: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGKILL');
      }),
  };
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** A PeerJS-style client on a plain WebSocket. */
export interface RawPeer {
  id: string;
  token: string;
  socket: WebSocket;
  /** Parsed JSON messages received so far (text frames only). */
  received: Array<Record<string, unknown>>;
  /** Close code once closed. */
  closedWith(): number | undefined;
  /** Resolves with the first received message that `match` accepts, or `undefined` after `ms`. */
  waitFor(match: (message: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown> | undefined>;
  /** Resolves once the socket is closed (with its code), or `undefined` after `ms`. */
  waitClosed(ms?: number): Promise<number | undefined>;
  send(message: unknown): void;
}

/** A random 32-hex-digit token, like the extension's. */
export const newToken = (): string => randomBytes(16).toString('hex');

/**
 * Opens `wsBase?key=peerjs&id=…&token=…` and resolves once the first server
 * message (normally `OPEN`) arrives or the socket closes.
 */
export function rawPeer(wsBase: string, id: string, token = newToken()): Promise<RawPeer> {
  const socket = new WebSocket(`${wsBase}?key=peerjs&id=${encodeURIComponent(id)}&token=${encodeURIComponent(token)}&version=1.5.5`);
  const received: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let closeCode: number | undefined;
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    try {
      received.push(JSON.parse(String(data)) as Record<string, unknown>);
    } catch {
      received.push({ unparsable: String(data) });
    }
    notify();
  });
  socket.on('error', () => {});
  socket.on('close', (code) => {
    closeCode = code;
    notify();
  });
  const waitUntil = <T>(probe: () => T | undefined, ms: number): Promise<T | undefined> =>
    new Promise((done) => {
      const check = (): void => {
        const value = probe();
        if (value === undefined) return;
        finish(value);
      };
      const finish = (value: T | undefined): void => {
        waiters.delete(check);
        clearTimeout(timer);
        done(value);
      };
      const timer = setTimeout(() => finish(undefined), ms);
      waiters.add(check);
      check();
    });
  const peer: RawPeer = {
    id,
    token,
    socket,
    received,
    closedWith: () => closeCode,
    waitFor: (match, ms = 2000) => waitUntil(() => received.find(match) ?? (closeCode !== undefined ? null : undefined), ms).then((v) => v ?? undefined),
    waitClosed: (ms = 2000) => waitUntil(() => closeCode, ms),
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
  };
  return peer.waitFor(() => true, 5000).then(() => peer);
}

/** One WebSocket frame, built by hand so that it can break the rules. */
export interface RawFrame {
  fin: boolean;
  /** RSV1..RSV3 as three bits (0..7); anything but 0 is invalid without an extension. */
  rsv: number;
  /** 0..15; 3..7 and 11..15 are reserved. */
  opcode: number;
  /** Clients must mask; an unmasked client frame is a protocol error. */
  masked: boolean;
  payload: Uint8Array;
  /** Length to announce instead of the real one (a lie), if set. */
  claimedLength?: number;
}

/** Encodes `frame` as bytes (RFC 6455 §5.2), masking with a random key if asked. */
export function encodeFrame(frame: RawFrame): Buffer {
  const length = frame.claimedLength ?? frame.payload.length;
  const head: number[] = [(frame.fin ? 0x80 : 0) | ((frame.rsv & 7) << 4) | (frame.opcode & 15)];
  const maskBit = frame.masked ? 0x80 : 0;
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) head.push(maskBit | 126, length >> 8, length & 255);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((length >>> 24) & 255, (length >>> 16) & 255, (length >>> 8) & 255, length & 255);
  }
  const payload = Buffer.from(frame.payload);
  if (!frame.masked) return Buffer.concat([Buffer.from(head), payload]);
  const key = randomBytes(4);
  for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i % 4]!;
  return Buffer.concat([Buffer.from(head), key, payload]);
}

/** A masked text frame carrying `text`: what a well-behaved client sends. */
export const textFrame = (text: string): Buffer => encodeFrame({ fin: true, rsv: 0, opcode: 1, masked: true, payload: Buffer.from(text) });

/**
 * Performs the HTTP upgrade on a raw TCP socket and resolves once the `101`
 * arrives, with the socket and whatever came after the response headers.
 * `first` is written in the same packet as the request, right after it.
 * @throws when the server answers anything but 101.
 */
export function rawUpgrade(port: number, pathAndQuery: string, first?: Buffer): Promise<{ socket: Socket; rest: Buffer }> {
  return new Promise((resolveUpgrade, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    socket.on('error', () => {});
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const head = buffer.subarray(0, end).toString();
      if (!head.startsWith('HTTP/1.1 101')) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
        return;
      }
      resolveUpgrade({ socket, rest: buffer.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed before the upgrade')));
    socket.once('connect', () => {
      const request =
        `GET ${pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`;
      socket.write(first ? Buffer.concat([Buffer.from(request), first]) : Buffer.from(request));
    });
  });
}

/** GET `<httpBase>/health`; resolves with the status, or 0 when nothing answers. */
export async function healthStatus(httpBase: string): Promise<number> {
  try {
    return (await fetch(`${httpBase}/health`)).status;
  } catch {
    return 0;
  }
}

/**
 * Real servers for the end-to-end tests, each in a child process or on loopback:
 * the PeerServer, coturn, a TCP proxy, a static web server, and Xvfb with xdotool.
 */
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnPeerServer } from '../unit/support/peer-server';

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
  const server = await spawnPeerServer(env, port);
  return { port: server.port, output: server.output, kill: server.kill };
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
/** Ports handed to a coturn in this process: two started at once must not get the same one. */
const handedOut = new Set<number>();

/**
 * A loopback port free for UDP and TCP alike (coturn listens on both), and not handed
 * out before in this run: two `startTurn` side by side once drew the same port, and the
 * second could not bind.
 */
async function freeUdpPort(): Promise<number> {
  for (;;) {
    const socket = createSocket('udp4');
    await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
    const { port } = socket.address();
    const tcp = createServer();
    const tcpFree = await new Promise<boolean>((done) => {
      tcp.once('error', () => done(false));
      tcp.listen(port, '127.0.0.1', () => done(true));
    });
    await new Promise<void>((done) => (tcpFree ? tcp.close(() => done()) : done()));
    await new Promise<void>((done) => socket.close(() => done()));
    if (!tcpFree || handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
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

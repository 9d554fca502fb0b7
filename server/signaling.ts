/**
 * The self-hostable signaling server: a PeerServer (the `peer` package) under
 * `path`, plus `GET /health` and, if configured, TURN credentials. Only the
 * handshake (SDP offer/answer, ICE candidates) passes through it; text and
 * media go peer to peer. Client input is checked in `ws-guard.ts` before `peer`
 * sees it; client text reaches the log only through `logText`. With `cluster`,
 * instances that share a Redis act as one service (server/cluster/).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ExpressPeerServer, type IClient } from 'peer';
import { WebSocket } from 'ws';
import { SignalingCluster } from './cluster/cluster';
import { logError, logText } from './log-text';
import { sameSecret, turnCredentialsHandler } from './turn-endpoint';
import { WsGuard, type WsLimits } from './ws-guard';

/** Options of {@link startSignalingServer}. */
export interface SignalingServerOptions {
  /** Address to listen on; `127.0.0.1` keeps it on this machine. */
  host: string;
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Mount path of the PeerServer, e.g. `/peerjs` (clients then use `path: '/peerjs'`). */
  path: string;
  /** PeerServer `key`: a namespace that clients must match; not a secret. */
  key: string;
  /**
   * Optional access token: the PeerServer is then served under `<path>/<token>`
   * only, so clients must be configured with that path to register. PeerJS passes
   * no other secret to the server; serve over TLS so the path is not seen on the wire.
   */
  accessToken?: string;
  /** PEM files for HTTPS/WSS; both or neither. */
  tls?: { certFile: string; keyFile: string };
  /**
   * How long the server keeps the ID of a client that sends nothing (not even a
   * heartbeat), in ms: PeerServer `alive_timeout`, whose default in `peer` 1.0.2 is 90,000.
   */
  aliveTimeoutMs?: number;
  /**
   * When set, `GET /health` adds the peer count and uptime for requests with
   * `Authorization: Bearer <healthToken>` (401 for a wrong one); otherwise it says only `{"ok":true}`.
   */
  healthToken?: string;
  /** Per-socket WebSocket limits; `DEFAULT_WS_LIMITS` when absent. */
  wsLimits?: WsLimits;
  /** Called with one line per event (peer joined or left); `console.log` by default. */
  log?: (line: string) => void;
  /**
   * Mint time-limited TURN credentials at `GET <path>/turn-credentials?peerId=ID&token=TOKEN`
   * for the client registered now as ID with PeerServer token TOKEN
   * (coturn `use-auth-secret` with the same `static-auth-secret`). Off when absent.
   */
  turn?: { secret: string; ttlSeconds: number; urls: string[] };
  /** Peers this instance holds at most: PeerServer `concurrent_limit` (`peer`'s default: 5,000). */
  maxPeers?: number;
  /**
   * Share IDs and relay with every instance that uses the same Redis and `key`
   * (see docs/architecture.md, "Several PeerServer instances"). Off when absent: one process on its own.
   */
  cluster?: { redisUrl: string };
}

/** How long a message waits for a peer not yet connected, in ms: PeerServer `expire_timeout` (its default). */
export const EXPIRE_TIMEOUT_MS = 5000;
/** PeerServer `alive_timeout` in `peer` 1.0.2, in ms. */
const DEFAULT_ALIVE_TIMEOUT_MS = 90_000;

/** A running signaling server. */
export interface SignalingServer {
  /** Port actually listened on. */
  port: number;
  /** Base URL, e.g. `http://127.0.0.1:9000`. */
  url: string;
  /** Peer IDs connected now. */
  peers(): string[];
  /** Stops listening and drops every client at once (like a crash, for clients). */
  close(): Promise<void>;
}

/** Where the PeerServer is mounted: `path`, or `path/token` when an access token is set. */
export function mountPath(path: string, accessToken?: string): string {
  if (!accessToken) return path;
  return `${path.replace(/\/+$/, '')}/${encodeURIComponent(accessToken)}`;
}

/** Defaults: local only, the address the extension uses out of the box. */
export const DEFAULT_SERVER_OPTIONS = { host: '127.0.0.1', port: 9000, path: '/peerjs', key: 'peerjs' } as const;

/**
 * Starts a PeerServer. Errors after it listens (bad frames, socket resets) are
 * logged, never thrown.
 * @throws when the port is taken or the TLS files cannot be read.
 */
export async function startSignalingServer(options: SignalingServerOptions): Promise<SignalingServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const app = express();
  const server = options.tls
    ? https.createServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, app)
    : http.createServer(app);
  // Clients registered now, by ID; the TURN endpoint asks for their tokens.
  const clients = new Map<string, IClient>();
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('error', (error) => log(`HTTP server error: ${logError(error)}`));
  const started = Date.now();

  app.get('/health', (req, res) => {
    res.set('cache-control', 'no-store');
    const authorization = req.headers.authorization;
    // The count tells who watches when people are online: only for the operator.
    if (!options.healthToken || authorization === undefined) {
      res.json({ ok: true });
      return;
    }
    const bearer = /^Bearer ([\x21-\x7e]+)$/.exec(authorization)?.[1];
    if (bearer === undefined || !sameSecret(bearer, options.healthToken)) {
      res.set('www-authenticate', 'Bearer realm="health"').status(401).json({ error: 'wrong health token' });
      return;
    }
    res.json({ ok: true, peers: clients.size, uptimeSeconds: Math.round((Date.now() - started) / 1000), ...(cluster ? { cluster: cluster.status() } : {}) });
  });

  const mount = mountPath(options.path, options.accessToken);
  const aliveTimeoutMs = options.aliveTimeoutMs ?? DEFAULT_ALIVE_TIMEOUT_MS;
  const cluster = options.cluster
    ? new SignalingCluster({ redisUrl: options.cluster.redisUrl, prefix: `sc:${options.key}:`, aliveTimeoutMs, expireTimeoutMs: EXPIRE_TIMEOUT_MS, log })
    : undefined;
  const guard = new WsGuard(log, options.wsLimits, cluster);
  const peerServer = ExpressPeerServer(server, {
    key: options.key,
    path: '/',
    allow_discovery: false,
    createWebSocketServer: guard.createWebSocketServer,
    alive_timeout: aliveTimeoutMs,
    expire_timeout: EXPIRE_TIMEOUT_MS,
    ...(options.maxPeers !== undefined ? { concurrent_limit: options.maxPeers } : {}),
  });
  // `peer` re-emits socket errors and messages it cannot parse here; unhandled, they would end the process.
  peerServer.on('error', (error) => guard.onPeerServerError(error));
  peerServer.on('connection', (client) => {
    clients.set(client.getId(), client);
    cluster?.onConnection(client);
    log(`peer joined: ${logText(client.getId())} (${clients.size} online)`);
  });
  peerServer.on('disconnect', (client) => {
    if (clients.get(client.getId()) === client) clients.delete(client.getId());
    cluster?.onDisconnect(client);
    log(`peer left: ${logText(client.getId())} (${clients.size} online)`);
  });
  // Beside the WebSocket, under the same path and access token: only those who may signal get relay credentials.
  app.get(
    `${mount.replace(/\/+$/, '')}/turn-credentials`,
    turnCredentialsHandler({
      ...(options.turn ? { turn: options.turn } : {}),
      tokenOf: (peerId) => {
        const client = clients.get(peerId);
        return client?.getSocket()?.readyState === WebSocket.OPEN ? client.getToken() : undefined;
      },
      ...(cluster ? { registeredElsewhere: (peerId: string, token: string) => cluster.isRegistered(peerId, token) } : {}),
    }),
  );

  app.use(mount, peerServer);
  await cluster?.start();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = options.tls ? 'https' : 'http';
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    port,
    url: `${scheme}://${host}:${port}`,
    peers: () => [...clients.keys()],
    close: async () => {
      // First, so that this instance's IDs are free at once rather than one by one.
      await cluster?.close();
      await new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
    },
  };
}

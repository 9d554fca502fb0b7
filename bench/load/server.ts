/**
 * A PeerServer for the load bench, in its own process so that its memory can be
 * read alone. Started by bench/sections/peerserver.ts with `fork` (IPC).
 *
 * Same setup as server/signaling.ts (express + `ExpressPeerServer` from the
 * `peer` package, key `peerjs`, mounted at `/peerjs`), with `concurrent_limit`
 * raised from its default of 5,000 (BENCH_CONCURRENT_LIMIT) so the larger tiers
 * can register. It exits by itself after BENCH_LIFETIME_MS, or when the parent goes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getHeapStatistics } from 'node:v8';
import express from 'express';
import { ExpressPeerServer } from 'peer';

const limit = Number(process.env.BENCH_CONCURRENT_LIMIT ?? 25_000);
const lifetimeMs = Number(process.env.BENCH_LIFETIME_MS ?? 180_000);

const app = express();
const server = http.createServer(app);
const peerServer = ExpressPeerServer(server, { key: 'peerjs', path: '/', allow_discovery: false, concurrent_limit: limit });
let peers = 0;
const errors = new Map<string, number>();
const countError = (error: unknown): void => {
  const key = (error as { code?: string }).code ?? String(error).slice(0, 80);
  errors.set(key, (errors.get(key) ?? 0) + 1);
};
peerServer.on('connection', () => peers++);
peerServer.on('disconnect', () => peers--);
peerServer.on('error', countError);
server.on('error', countError);
app.use('/peerjs', peerServer);

/**
 * Parent → child: `memory` runs a full GC (`--expose-gc`) and answers with the
 * V8 heap in use. The parent reads the resident size from /proc itself:
 * `process.memoryUsage()` opens a file, which fails once every descriptor holds a peer.
 */
type Request = { type: 'memory' };

process.on('message', (message: Request) => {
  if (message.type !== 'memory') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  process.send?.({ type: 'memory', heapUsed: getHeapStatistics().used_heap_size, peers, errors: Object.fromEntries(errors) });
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), lifetimeMs);

server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port });
});

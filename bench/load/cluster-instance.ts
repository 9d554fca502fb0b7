/**
 * One PeerServer instance of a cluster, for the cluster bench: the real
 * `startSignalingServer` (guard, `peer`, server/cluster/) with `cluster`
 * pointed at the bench's Redis, in its own process so that its memory can be
 * read alone. Started by bench/sections/cluster.ts with IPC. Loopback only; it
 * exits by itself after BENCH_LIFETIME_MS, or when the parent goes.
 *
 * Environment: BENCH_REDIS_URL, BENCH_MAX_PEERS (PeerServer concurrent_limit), BENCH_LIFETIME_MS.
 */
import { getHeapStatistics } from 'node:v8';
import { startSignalingServer } from '../../server/signaling';

const lifetimeMs = Number(process.env.BENCH_LIFETIME_MS ?? 300_000);
let joined = 0;
let refused = 0;

const server = await startSignalingServer({
  host: '127.0.0.1',
  port: 0,
  path: '/peerjs',
  key: 'peerjs',
  maxPeers: Number(process.env.BENCH_MAX_PEERS ?? 20_000),
  cluster: { redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' },
  // Tens of thousands of join lines would cost more than the relay: count them, print the rest.
  log: (line) => {
    if (line.startsWith('peer joined') || line.startsWith('peer left')) joined++;
    else if (line.startsWith('refused')) refused++;
    else console.log(`[instance ${process.pid}] ${line}`);
  },
});

/**
 * Parent → child: `memory` runs a full GC (`--expose-gc`) and answers with the
 * V8 heap in use and the peers held. The parent reads the resident size from
 * /proc itself (`process.memoryUsage()` opens a file, which fails once every
 * descriptor holds a peer).
 */
process.on('message', (message: { type: string }) => {
  if (message.type !== 'memory') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  process.send?.({ type: 'memory', heapUsed: getHeapStatistics().used_heap_size, peers: server.peers().length, joinLines: joined, refused });
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), lifetimeMs).unref();
process.send?.({ type: 'listening', port: server.port });

/**
 * Section 7, PeerServer instances that share Redis (issue 15), without
 * browsers: a `redis-server` (Debian's package) and four instances of the real
 * server (bench/load/cluster-instance.ts: `startSignalingServer` with
 * `cluster`), each in its own process, and load generators
 * (bench/load/cluster-generator.ts) holding PeerJS-style clients spread over
 * all instances. Tiers of peers held in total (4,000, then 60,000): each
 * instance's resident memory after a full GC and Redis's `used_memory`, per
 * peer; then OFFER relay latency, same-instance and cross-instance interleaved
 * in the same run, at 1,000 offers/s of each. Loopback only; every child exits
 * by itself, and the section kills them all at the end anyway.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { processMemory } from '../lib/browser';
import type { BenchConfig } from '../lib/config';
import type { Measure, SectionResult } from '../lib/report';
import { summarize, type Summary } from '../lib/stats';
import type { ClusterGeneratorRequest, RelayRun } from '../load/cluster-generator';

/** How much the section does, full and quick (the smoke test's BENCH_QUICK=1). */
const SIZES = {
  full: { instances: 4, tiers: [4000, 60_000], ratePerKind: 1000, seconds: 10, maxPeersPerInstance: 19_000 },
  quick: { instances: 2, tiers: [100], ratePerKind: 100, seconds: 1, maxPeersPerInstance: 1000 },
};
const PER_GENERATOR = 9000;
const OFFER_SDP_BYTES = 1800;
/** Nothing in this section may run longer than this, in ms. */
const SECTION_LIMIT_MS = 360_000;
/** The target of issue 15: cross-instance p99 at most this many times same-instance p99. */
const P99_TARGET_RATIO = 2;

interface Child {
  process: ChildProcess;
  request<T>(message: unknown, reply: string, timeoutMs: number): Promise<T>;
}

/** Starts a bench child with IPC, through a shell that first tries to raise its open-file limit. */
function start(script: string, env: Record<string, string>, first: string): Promise<Child & { first: Record<string, unknown> }> {
  const child = spawn('bash', ['-c', 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', process.execPath, '--expose-gc', '--import', 'tsx', resolve(import.meta.dirname, '..', 'load', script)], {
    env: { ...process.env, BENCH_LIFETIME_MS: String(SECTION_LIMIT_MS), ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const request = <T>(message: unknown, reply: string, timeoutMs: number): Promise<T> =>
    new Promise<T>((done, fail) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        fail(new Error(`${script}: no ${reply} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: { type: string; message?: string }): void => {
        if (m.type !== reply && m.type !== 'error') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        if (m.type === 'error') fail(new Error(`${script}: ${m.message}`));
        else done(m as T);
      };
      child.on('message', onMessage);
      if (message) child.send(message as object);
    });
  return request<Record<string, unknown>>(undefined, first, 30_000).then((reply) => ({ process: child, request, first: reply }));
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `redis-server` on 127.0.0.1 without persistence; resolves once it accepts connections. */
async function startRedis(children: ChildProcess[]): Promise<{ port: number; version: string }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        done();
      }
    });
    child.once('error', (error) => fail(new Error(`redis-server: ${error.message} (apt-get install -y redis-server)`)));
  });
  return { port, version: /version=(\S+?),?\s/.exec(output)?.[1] ?? '?' };
}

/** This process's `Max open files` (soft and hard), from /proc. */
function openFiles(pid: number | 'self'): string {
  try {
    const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return match ? `${match[1]} (hard ${match[2]})` : '?';
  } catch {
    return '?';
  }
}

interface Reading {
  rss: number[];
  heap: number[];
  peers: number[];
  redisUsed: number;
  redisKeys: number;
}

const MIB = 2 ** 20;
const fmtList = (values: number[], digits = 0): string => values.map((v) => v.toFixed(digits)).join(' / ');

export async function clusterSection(config: BenchConfig, log: (line: string) => void): Promise<SectionResult> {
  const size = config.quick ? SIZES.quick : SIZES.full;
  const children: ChildProcess[] = [];
  const deadline = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), SECTION_LIMIT_MS);
  let redis: Redis | undefined;
  try {
    const { port: redisPort, version: redisVersion } = await startRedis(children);
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    const instances: Array<Child & { port: number }> = [];
    for (let i = 0; i < size.instances; i++) {
      const started = await start('cluster-instance.ts', { BENCH_REDIS_URL: redisUrl, BENCH_MAX_PEERS: String(size.maxPeersPerInstance) }, 'listening');
      children.push(started.process);
      instances.push(Object.assign(started, { port: started.first.port as number }));
    }
    const ports = instances.map((instance) => instance.port);
    const limits = instances.map((instance) => openFiles(instance.process.pid!));
    const read = async (): Promise<Reading> => {
      const replies = await Promise.all(instances.map((instance) => instance.request<{ heapUsed: number; peers: number }>({ type: 'memory' }, 'memory', 30_000)));
      const info = await redis!.info('memory');
      return {
        rss: instances.map((instance) => processMemory(instance.process.pid!).rssKiB * 1024),
        heap: replies.map((reply) => reply.heapUsed),
        peers: replies.map((reply) => reply.peers),
        redisUsed: Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN),
        redisKeys: await redis!.dbsize(),
      };
    };
    const empty = await read();
    log(`cluster: ${size.instances} instances and Redis ${redisVersion} up; open files per instance ${limits.join(', ')}`);

    const generators: Array<Child & { held: number }> = [];
    const rows: Array<Array<string | number | null>> = [];
    const measures: Measure[] = [];
    const tiers: unknown[] = [];
    let held = 0;
    for (const tier of size.tiers) {
      const failed: Record<string, number> = {};
      let openMs = 0;
      const before = held;
      for (let missing = tier - held; missing > 0; ) {
        let generator = generators.find((g) => g.held < PER_GENERATOR);
        if (!generator) {
          const started = await start('cluster-generator.ts', {}, 'ready');
          children.push(started.process);
          generator = Object.assign(started, { held: 0 });
          generators.push(generator);
        }
        const count = Math.min(missing, PER_GENERATOR - generator.held);
        const opened = await generator.request<{ opened: number; failed: Record<string, number>; ms: number }>(
          { type: 'open', ports, count, prefix: `c${generators.indexOf(generator)}` } satisfies ClusterGeneratorRequest,
          'opened',
          180_000,
        );
        generator.held += count;
        held += opened.opened;
        openMs += opened.ms;
        for (const [reason, n] of Object.entries(opened.failed)) failed[reason] = (failed[reason] ?? 0) + n;
        missing -= count;
      }
      const reading = await read();
      const relay = await generators[0]!.request<RelayRun>(
        { type: 'relay', ratePerKind: size.ratePerKind, seconds: size.seconds, payloadBytes: OFFER_SDP_BYTES } satisfies ClusterGeneratorRequest,
        'relayed',
        size.seconds * 1000 + 30_000,
      );
      const same = relay.same.latencies.length ? summarize(relay.same.latencies) : null;
      const cross = relay.cross.latencies.length ? summarize(relay.cross.latencies) : null;
      const total = reading.peers.reduce((a, b) => a + b, 0);
      const rssPerPeer = reading.rss.map((rss, i) => (reading.peers[i]! > 0 ? (rss - empty.rss[i]!) / reading.peers[i]! / 1024 : NaN));
      const redisPerPeer = total > 0 ? (reading.redisUsed - empty.redisUsed) / total : null;
      const p99Ratio = same && cross && same.p99 > 0 ? cross.p99 / same.p99 : null;
      log(`cluster ${tier}: held ${total} (${reading.peers.join('/')}), Redis ${(reading.redisUsed / MIB).toFixed(1)} MiB, same p99 ${same?.p99.toFixed(2)} ms, cross p99 ${cross?.p99.toFixed(2)} ms`);
      rows.push([
        tier,
        total,
        reading.peers.join(' / '),
        Object.entries(failed).map(([reason, n]) => `${n} ${reason}`).join(', ') || '0',
        openMs > 0 ? (held - before) / (openMs / 1000) : null,
        fmtList(reading.rss.map((rss) => rss / MIB)),
        fmtList(rssPerPeer, 2),
        reading.redisUsed / MIB,
        redisPerPeer,
        `${relay.same.received}/${relay.same.sent}`,
        same?.median ?? null,
        same?.p99 ?? null,
        `${relay.cross.received}/${relay.cross.sent}`,
        cross?.median ?? null,
        cross?.p99 ?? null,
        p99Ratio,
      ]);
      const rate = `${size.ratePerKind}/s of each kind, ${total} peers held on ${size.instances} instances`;
      measures.push({ figure: `same-instance relay latency of OFFER at ${rate}`, unit: 'ms', summary: same });
      measures.push({ figure: `cross-instance relay latency of OFFER at ${rate}`, unit: 'ms', summary: cross });
      measures.push({ figure: `cross-instance p99 ÷ same-instance p99 (target ≤ ${P99_TARGET_RATIO}) with ${total} peers`, unit: '×', value: p99Ratio });
      tiers.push({ tier, held: total, failed, openMs, reading, relay: { same: summary(relay.same, same), cross: summary(relay.cross, cross), seconds: relay.seconds } });
    }
    for (const generator of generators) await generator.request({ type: 'close' } satisfies ClusterGeneratorRequest, 'closed', 30_000).catch(() => {});
    return {
      title: '7. PeerServer cluster (instances sharing Redis)',
      comparisons: [],
      measures,
      tables: [
        {
          title: `${size.instances} PeerServer instances (server/signaling.ts with --redis, each its own process) and redis-server ${redisVersion}; held WebSocket peers spread evenly, PeerJS heartbeats every 5 s`,
          columns: [
            'peers wanted',
            'peers held',
            'held per instance',
            'refused / failed',
            'opened per s',
            'RSS per instance MiB',
            'RSS per peer KiB, per instance (from empty)',
            'Redis used_memory MiB',
            'Redis bytes per peer',
            'same-instance relayed / sent',
            'same p50 ms',
            'same p99 ms',
            'cross-instance relayed / sent',
            'cross p50 ms',
            'cross p99 ms',
            'cross p99 ÷ same p99',
          ],
          rows,
          note: `Empty instances: ${fmtList(empty.rss.map((rss) => rss / MIB), 1)} MiB RSS; empty Redis: ${(empty.redisUsed / MIB).toFixed(2)} MiB used_memory. Open-file limit of each instance process: ${limits[0]} (raising it was tried; the bench process has ${openFiles('self')}). Relay: OFFER messages with a ${OFFER_SDP_BYTES}-byte SDP, same-instance and cross-instance alternating, ${size.ratePerKind}/s of each for ${size.seconds} s, timed send to receipt in one generator process holding clients on every instance.`,
        },
      ],
      notes: [],
      data: { instances: size.instances, redisVersion, openFileLimits: limits, empty, tiers },
    };
  } finally {
    clearTimeout(deadline);
    redis?.disconnect();
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function summary(kind: RelayRun['same'], latency: Summary | null): { sent: number; received: number; summary: Summary | null } {
  return { sent: kind.sent, received: kind.received, summary: latency };
}

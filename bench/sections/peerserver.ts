/**
 * Section 5, the PeerServer under load, without browsers: a PeerServer in one
 * process (bench/load/server.ts) and load generators in others
 * (bench/load/generator.ts) speaking its WebSocket protocol, on loopback.
 * Tiers of peers held at once (cumulative: 1k, then 5k, then 20k), the
 * server's resident memory at each (after a full GC), and the relay latency of
 * OFFER messages at 1,000 messages/s from one held peer to another.
 * Every child exits by itself; the section kills them all at the end anyway.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { processMemory } from '../lib/browser';
import type { BenchConfig } from '../lib/config';
import type { Measure, SectionResult } from '../lib/report';
import { summarize } from '../lib/stats';
import type { GeneratorRequest } from '../load/generator';

/** Sockets one generator process holds at most: well under the per-process descriptor limit (`ulimit -n`). */
const PER_GENERATOR = 9000;
/** Size of the SDP in each OFFER payload, in bytes: about what Chromium's data-channel offer carries. */
const OFFER_SDP_BYTES = 1800;
/** Nothing in this section may run longer than this, in ms. */
const SECTION_LIMIT_MS = 240_000;

interface Child {
  process: ChildProcess;
  request<T>(message: unknown, reply: string, timeoutMs: number): Promise<T>;
}

function start(script: string, env: Record<string, string>): Promise<Child & { first: Record<string, unknown> }> {
  const child = fork(resolve(import.meta.dirname, '..', 'load', script), [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, BENCH_LIFETIME_MS: String(SECTION_LIMIT_MS), ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const request = <T>(message: unknown, reply: string, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolveReply, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`${script}: no ${reply} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: { type: string; message?: string }): void => {
        if (m.type !== reply && m.type !== 'error') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        if (m.type === 'error') reject(new Error(`${script}: ${m.message}`));
        else resolveReply(m as T);
      };
      child.on('message', onMessage);
      if (message) child.send(message as object);
    });
  const firstType = script === 'server.ts' ? 'listening' : 'ready';
  return request<Record<string, unknown>>(undefined, firstType, 20_000).then((first) => ({ process: child, request, first }));
}

interface Memory {
  /** Resident set size of the server process, in bytes (/proc). */
  rss: number;
  pss: number;
  heapUsed: number;
  peers: number;
  errors: Record<string, number>;
}

export async function peerServerSection(config: BenchConfig, log: (line: string) => void): Promise<SectionResult> {
  const children: ChildProcess[] = [];
  const deadline = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), SECTION_LIMIT_MS);
  try {
    const maxTier = Math.max(...config.load.tiers);
    const server = await start('server.ts', { BENCH_CONCURRENT_LIMIT: String(maxTier + 1000) });
    children.push(server.process);
    const port = server.first.port as number;
    const memory = async (): Promise<Memory> => {
      const reading = await server.request<Omit<Memory, 'rss' | 'pss'>>({ type: 'memory' }, 'memory', 30_000);
      const mem = processMemory(server.process.pid!);
      return { ...reading, rss: mem.rssKiB * 1024, pss: mem.pssKiB * 1024 };
    };
    const empty = await memory();
    const generators: Array<Child & { held: number }> = [];
    const rows: Array<Array<string | number | null>> = [];
    const tiers: unknown[] = [];
    const measures: Measure[] = [];
    let held = 0;
    let previous = empty;
    let previousHeld = 0;
    for (const tier of config.load.tiers) {
      // Open what the tier adds, filling generators up to PER_GENERATOR each.
      let missing = tier - held;
      const failed: Record<string, number> = {};
      let openMs = 0;
      while (missing > 0) {
        let generator = generators.find((g) => g.held < PER_GENERATOR);
        if (!generator) {
          const started = await start('generator.ts', {});
          children.push(started.process);
          generator = Object.assign(started, { held: 0 });
          generators.push(generator);
        }
        const count = Math.min(missing, PER_GENERATOR - generator.held);
        const opened = await generator.request<{ opened: number; failed: Record<string, number>; ms: number }>(
          { type: 'open', port, count, prefix: `load${generators.indexOf(generator)}` } satisfies GeneratorRequest,
          'opened',
          120_000,
        );
        generator.held += count;
        held += opened.opened;
        openMs += opened.ms;
        for (const [reason, n] of Object.entries(opened.failed)) failed[reason] = (failed[reason] ?? 0) + n;
        missing -= count;
      }
      const reading = await memory();
      const relay = await generators[0]!.request<{ sent: number; received: number; latencies: number[]; actualRate: number }>(
        { type: 'relay', rate: config.load.relayRate, seconds: config.load.relaySeconds, payloadBytes: OFFER_SDP_BYTES } satisfies GeneratorRequest,
        'relayed',
        config.load.relaySeconds * 1000 + 30_000,
      );
      const latency = relay.latencies.length ? summarize(relay.latencies) : null;
      const perPeerKiB = held > 0 ? (reading.rss - empty.rss) / held / 1024 : null;
      const marginalKiB = held > previousHeld ? (reading.rss - previous.rss) / (held - previousHeld) / 1024 : null;
      log(`peerserver ${tier}: held ${reading.peers}, RSS ${(reading.rss / 2 ** 20).toFixed(0)} MiB, relay p50 ${latency?.median.toFixed(2)} ms p99 ${latency?.p99.toFixed(2)} ms`);
      rows.push([
        tier,
        reading.peers,
        Object.entries(failed).map(([reason, n]) => `${n} ${reason}`).join(', ') || '0',
        openMs > 0 ? (held - previousHeld) / (openMs / 1000) : null,
        reading.rss / 2 ** 20,
        reading.heapUsed / 2 ** 20,
        perPeerKiB,
        marginalKiB,
        relay.actualRate,
        `${relay.received}/${relay.sent}`,
        latency?.median ?? null,
        latency?.p95 ?? null,
        latency?.p99 ?? null,
        latency?.max ?? null,
      ]);
      measures.push({ figure: `relay latency of OFFER at ${config.load.relayRate}/s with ${reading.peers} peers held`, unit: 'ms', summary: latency });
      tiers.push({ tier, held: reading.peers, failed, openMs, memory: reading, relay: { ...relay, latencies: undefined, summary: latency } });
      previous = reading;
      previousHeld = held;
    }
    for (const generator of generators) await generator.request({ type: 'close' } satisfies GeneratorRequest, 'closed', 30_000).catch(() => {});
    return {
      title: '5. PeerServer under load',
      comparisons: [],
      measures,
      tables: [
        {
          title: `PeerServer (peer ${peerVersion()}, concurrent_limit raised to ${maxTier + 1000}) with held WebSocket peers sending PeerJS heartbeats every 5 s`,
          columns: [
            'peers wanted',
            'peers held',
            'refused / failed',
            'opened per s',
            'server RSS MiB',
            'server heap MiB',
            'RSS per peer KiB (from empty)',
            'RSS per peer KiB (since last tier)',
            'OFFERs/s achieved',
            'relayed / sent',
            'relay p50 ms',
            'relay p95 ms',
            'relay p99 ms',
            'relay max ms',
          ],
          rows,
          note: `Empty server: ${(empty.rss / 2 ** 20).toFixed(1)} MiB RSS. Open-file limit of each process here: ${openFileLimit()} (every held peer is one descriptor in the server). Relay: OFFER messages with a ${OFFER_SDP_BYTES}-byte SDP, from one held peer to another, timed send to receipt in one generator process.`,
        },
      ],
      notes: [],
      data: { emptyRss: empty.rss, tiers },
    };
  } finally {
    clearTimeout(deadline);
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** This process's soft limit of open files (children inherit it), from /proc/self/limits. */
function openFileLimit(): string {
  try {
    const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return match ? `${match[1]} (hard ${match[2]})` : '?';
  } catch {
    return '?';
  }
}

function peerVersion(): string {
  try {
    return (JSON.parse(readFileSync(resolve('node_modules/peer/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

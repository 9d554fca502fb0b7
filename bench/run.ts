/**
 * `npm run bench`: SecureConnect measured against the floor beneath it (raw
 * PeerJS, raw WebRTC) in one run on one machine. See bench/README.md.
 *
 * The npm script first makes sure Chromium is installed (scripts/ensure-system.mjs)
 * and builds the test build (`wxt build --mode test`, fixed extension ID); this
 * file expects both. Environment:
 *   BENCH_QUICK=1     tiny counts, for the smoke test (figures mean nothing)
 *   BENCH_OUT=DIR     where to write <date>.json and <date>.md (default bench/results)
 *   BENCH_ONLY=a,b    run only these sections (connect, rtt, throughput, share, peerserver, footprint, cluster)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { EXTENSION_DIR, startServer, type ServerProcess } from '../tests/e2e/harness';
import { bundlePageScripts, startBenchWeb, wall, type BenchWeb } from './lib/browser';
import { FULL, QUICK } from './lib/config';
import { startBenchPair, type BenchPair } from './lib/pair';
import { resultsMarkdown, SECTION_KEYS, slowerFigures, type BenchResults, type SectionKey, type SectionResult } from './lib/report';
import { clusterSection } from './sections/cluster';
import { measureColdStart } from './sections/cold-start';
import { connectSection, measureWarmConnect } from './sections/connect';
import { footprintSection, historyFigures } from './sections/footprint';
import { peerServerSection } from './sections/peerserver';
import { rttSection } from './sections/rtt';
import { shareSection } from './sections/share';
import { throughputSection } from './sections/throughput';

const TITLES: Record<SectionKey, string> = {
  connect: '1. Connect',
  rtt: '2. Text round trip',
  throughput: '3. Bulk data throughput',
  share: '4. Tab share',
  peerserver: '5. PeerServer under load',
  footprint: '6. Footprint',
  cluster: '7. PeerServer cluster (instances sharing Redis)',
};

const config = process.env.BENCH_QUICK === '1' ? QUICK : FULL;
const outDir = resolve(process.env.BENCH_OUT ?? 'bench/results');
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
const started = wall();
const startedAt = new Date();

function log(line: string): void {
  console.log(`[bench ${((wall() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
}

function failed(key: SectionKey, error: unknown): SectionResult {
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  log(`${key} FAILED: ${error instanceof Error ? (error.stack ?? message) : message}`);
  return { title: TITLES[key], comparisons: [], measures: [], tables: [], notes: [], error: message };
}

function skipped(key: SectionKey): SectionResult {
  return { title: TITLES[key], comparisons: [], measures: [], tables: [], notes: ['Not run (BENCH_ONLY).'] };
}

const wanted = (key: SectionKey): boolean => !only || only.has(key);

function chromiumVersion(): string {
  try {
    // The Debian wrapper prints a harmless shell warning on stderr; the version is the last line of stdout.
    return execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop()!;
  } catch {
    return 'unknown';
  }
}

function gitDescribe(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** Read before the first section is saved: the results file itself is part of the tree. */
const commit = gitDescribe();

/** Everything measured so far; written after every section, so a run cut short still leaves its figures. */
const sections: Partial<Record<SectionKey, SectionResult>> = {};

function save(final: boolean): string {
  const complete = Object.fromEntries(
    SECTION_KEYS.map((key) => [
      key,
      sections[key] ?? (!wanted(key) ? skipped(key) : final ? failed(key, 'did not run') : { ...skipped(key), notes: ['Not run yet (the run stopped before it).'] }),
    ]),
  ) as Record<SectionKey, SectionResult>;
  const results: BenchResults = {
    meta: {
      date: startedAt.toISOString(),
      chromium: chromiumVersion(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      os: `${type()} ${release()}`,
      commit,
      quick: config.quick,
      durationSeconds: (wall() - started) / 1000,
      repetitions: {
        connect: config.connectReps,
        coldStart: config.coldReps,
        rtt: config.rttReps,
        throughputTrialsPerSize: config.throughputTrials,
        shareStartsPerPreset: config.shareReps,
        popupOpens: config.popupReps,
      },
    },
    sections: complete,
    slower: slowerFigures(complete),
  };
  mkdirSync(outDir, { recursive: true });
  const stem = join(outDir, results.meta.date.slice(0, 10));
  writeFileSync(`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const markdown = resultsMarkdown(results);
  writeFileSync(`${stem}.md`, markdown);
  return markdown;
}

async function main(): Promise<void> {
  if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) throw new Error(`No test build at ${EXTENSION_DIR}: run "npm run bench" (it builds) or "npm run build:test".`);
  log(`${config.quick ? 'quick' : 'full'} run; results to ${outDir}`);
  const scripts = await bundlePageScripts();
  let web: BenchWeb | undefined;
  let server: ServerProcess | undefined;
  let pair: BenchPair | undefined;
  try {
    web = await startBenchWeb(scripts);
    server = await startServer();
    const needPair = (['connect', 'rtt', 'throughput', 'share'] as const).some(wanted);

    // Cold starts first, while no other browser runs.
    let cold: Awaited<ReturnType<typeof measureColdStart>> | undefined;
    if (wanted('connect')) {
      log('connect: cold starts');
      try {
        cold = await measureColdStart(server, web, config, log);
      } catch (error) {
        sections.connect = failed('connect', error);
      }
    }

    if (needPair) {
      log('starting Alice and Bob');
      try {
        pair = await startBenchPair(server, web, scripts);
      } catch (error) {
        for (const key of ['connect', 'rtt', 'throughput', 'share'] as const) if (wanted(key)) sections[key] ??= failed(key, error);
      }
    }
    if (pair) {
      const p = pair;
      if (wanted('connect') && cold) {
        log('connect: warm connects');
        try {
          sections.connect = connectSection(await measureWarmConnect(p, scripts, config, log), cold);
        } catch (error) {
          sections.connect = failed('connect', error);
          // What both extensions logged, so that a failure in CI says more than its timeout.
          for (const user of [p.alice, p.bob]) log(`${user.name}'s extension log:\n${user.logLines(60).join('\n')}`);
        }
        save(false);
      }
      const runSection = async (key: SectionKey, body: () => Promise<SectionResult>): Promise<void> => {
        if (!wanted(key)) return;
        log(`${key}`);
        try {
          sections[key] = await body();
        } catch (error) {
          sections[key] = failed(key, error);
        }
        save(false);
      };
      await runSection('rtt', () => rttSection(p, scripts, config, log));
      await runSection('share', () => shareSection(p, web!, scripts, config, log));
      await runSection('throughput', () => throughputSection(p, scripts, config, log));
    }
    // What a long history costs (the throughput run filled it), measured before the pair goes.
    let history: Awaited<ReturnType<typeof historyFigures>> | undefined;
    if (pair && wanted('footprint')) {
      try {
        history = await historyFigures(pair, config);
      } catch (error) {
        log(`history figures failed: ${String(error)}`);
      }
    }
    await pair?.close();
    pair = undefined;

    if (wanted('footprint')) {
      log('footprint');
      try {
        sections.footprint = await footprintSection(server, web, scripts, config, history, log);
      } catch (error) {
        sections.footprint = failed('footprint', error);
      }
      save(false);
    }
    if (wanted('peerserver')) {
      log('peerserver');
      try {
        sections.peerserver = await peerServerSection(config, log);
      } catch (error) {
        sections.peerserver = failed('peerserver', error);
      }
      save(false);
    }
    if (wanted('cluster')) {
      log('cluster');
      try {
        sections.cluster = await clusterSection(config, log);
      } catch (error) {
        sections.cluster = failed('cluster', error);
      }
    }
  } finally {
    await pair?.close().catch(() => {});
    await server?.kill().catch(() => {});
    await web?.close().catch(() => {});
  }

  const markdown = save(true);
  console.log(`\n${markdown}`);
  const stem = join(outDir, startedAt.toISOString().slice(0, 10));
  log(`wrote ${stem}.json and ${stem}.md`);
  const failures = SECTION_KEYS.filter((key) => wanted(key) && (sections[key]?.error ?? !sections[key]));
  if (failures.length > 0) {
    log(`sections failed: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

main().then(
  () => process.exit(),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

/**
 * The bench (`npm run bench`, bench/README.md) still runs: a tiny run
 * (BENCH_QUICK=1) into a temporary folder. It asserts that every section
 * completed and the results are well formed, never any timing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SECTION_KEYS, type BenchResults } from '../../bench/lib/report';

describe('bench smoke run', () => {
  const out = mkdtempSync(join(tmpdir(), 'sc-bench-smoke-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('completes every section and writes JSON and Markdown', { timeout: 150_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      env: { ...process.env, BENCH_QUICK: '1', BENCH_OUT: out },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(code, output).toBe(0);

    const files = readdirSync(out).sort();
    expect(files).toEqual([expect.stringMatching(/^\d{4}-\d{2}-\d{2}\.json$/), expect.stringMatching(/^\d{4}-\d{2}-\d{2}\.md$/)]);
    const results = JSON.parse(readFileSync(join(out, files[0]!), 'utf8')) as BenchResults;
    expect(results.meta.quick).toBe(true);
    expect(results.meta.cpus).toBeGreaterThan(0);
    expect(results.meta.chromium).toMatch(/\d+\.\d+/);
    for (const key of SECTION_KEYS) {
      const section = results.sections[key];
      expect(section.error, `${key}: ${section.error}`).toBeUndefined();
      expect(section.comparisons.length + section.measures.length + section.tables.length, key).toBeGreaterThan(0);
    }
    // Every comparison the product can make has a product figure and figures for its baselines.
    for (const comparison of [...results.sections.connect.comparisons, ...results.sections.rtt.comparisons, ...results.sections.throughput.comparisons]) {
      if (comparison.product === null) continue;
      expect(comparison.product.n, comparison.figure).toBeGreaterThan(0);
      for (const baseline of comparison.baselines) expect(baseline.summary?.n, `${comparison.figure} / ${baseline.name}`).toBeGreaterThan(0);
    }
    const markdown = readFileSync(join(out, files[1]!), 'utf8');
    for (const key of SECTION_KEYS) expect(markdown).toContain(`## ${results.sections[key].title}`);
  });
});

/**
 * The bench's results: their shape (written as JSON) and their rendering as
 * Markdown. Pure functions, no I/O.
 */
import { ratio, type Summary } from './stats';

/** A product figure next to its baselines, measured interleaved in the same run. */
export interface Comparison {
  /** What is measured, e.g. "connect: command to connected on both sides". */
  figure: string;
  /** Unit of the summaries: `ms` (lower is better) or `MiB/s` (higher is better). */
  unit: 'ms' | 'MiB/s';
  /** `null` when the product cannot do it (then `note` says why). */
  product: Summary | null;
  baselines: Array<{ name: string; summary: Summary | null; note?: string }>;
  note?: string;
}

/** A figure without a baseline. */
export interface Measure {
  figure: string;
  unit: string;
  summary?: Summary | null;
  /** A single value (a size, a count) instead of a summary. */
  value?: number | string | null;
  note?: string;
}

/** A free-form table (per preset, per load tier, per bundle). */
export interface Table {
  title: string;
  columns: string[];
  rows: Array<Array<string | number | null>>;
  note?: string;
}

/** One section of the report. */
export interface SectionResult {
  title: string;
  comparisons: Comparison[];
  measures: Measure[];
  tables: Table[];
  notes: string[];
  /** Section-specific raw figures, for whoever reads the JSON. */
  data?: unknown;
  /** Set when the section failed; the run goes on with the next one. */
  error?: string;
}

/** The whole run. */
export interface BenchResults {
  meta: {
    /** ISO 8601 date and time the run started. */
    date: string;
    chromium: string;
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    os: string;
    /** `git describe --always --dirty` of the measured tree. */
    commit: string;
    /** True for the tiny smoke-test run (BENCH_QUICK=1): figures mean nothing then. */
    quick: boolean;
    durationSeconds: number;
    repetitions: Record<string, number>;
  };
  sections: Record<SectionKey, SectionResult>;
  /** Product figures slower than their baseline by more than {@link SLOWER_THRESHOLD}. */
  slower: Array<{ section: string; figure: string; baseline: string; ratio: number }>;
}

/** The report's sections, in order. */
export const SECTION_KEYS = ['connect', 'rtt', 'throughput', 'share', 'peerserver', 'footprint', 'cluster'] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

/** "Slower by more than 30 %": taking more than 1.3 times the baseline's time (for rates: under 1 / 1.3 of its rate). */
export const SLOWER_THRESHOLD = 1.3;

/**
 * Product median / baseline median, and whether the product is slower than the
 * baseline by more than {@link SLOWER_THRESHOLD} (in time: for a rate, the
 * inverse ratio is compared).
 */
export function compare(comparison: Comparison, baseline: Comparison['baselines'][number]): { ratio: number | undefined; slower: boolean } {
  if (!comparison.product || !baseline.summary) return { ratio: undefined, slower: false };
  const r = ratio(comparison.product.median, baseline.summary.median);
  if (r === undefined) return { ratio: undefined, slower: false };
  const timeRatio = comparison.unit === 'MiB/s' ? 1 / r : r;
  return { ratio: r, slower: timeRatio > SLOWER_THRESHOLD };
}

/** Every product figure slower than a baseline by more than {@link SLOWER_THRESHOLD}. */
export function slowerFigures(sections: Partial<Record<SectionKey, SectionResult>>): BenchResults['slower'] {
  const out: BenchResults['slower'] = [];
  for (const key of SECTION_KEYS) {
    for (const comparison of sections[key]?.comparisons ?? []) {
      for (const baseline of comparison.baselines) {
        const { ratio: r, slower } = compare(comparison, baseline);
        if (slower && r !== undefined) out.push({ section: key, figure: comparison.figure, baseline: baseline.name, ratio: r });
      }
    }
  }
  return out;
}

/** A number for a table: 3 significant digits, no exponent, `–` for nothing. */
export function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (Number.isInteger(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toFixed(Math.min(decimals, 3));
}

function cell(value: string | number | null): string {
  if (typeof value === 'number') return fmt(value);
  return (value ?? '–').replaceAll('|', '\\|');
}

function table(columns: string[], rows: Array<Array<string | number | null>>): string[] {
  return [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`)];
}

function ratioText(comparison: Comparison, baseline: Comparison['baselines'][number]): string {
  const { ratio: r, slower } = compare(comparison, baseline);
  if (r === undefined) return '–';
  return `${fmt(r)}×${slower ? ' ⚠' : ''}`;
}

/** Renders one section as Markdown lines. */
export function sectionMarkdown(section: SectionResult): string[] {
  const lines: string[] = [`## ${section.title}`, ''];
  if (section.error) lines.push(`**Failed:** ${section.error}`, '');
  if (section.comparisons.length > 0) {
    const rows: Array<Array<string | number | null>> = [];
    for (const c of section.comparisons) {
      const product = c.product ? `${fmt(c.product.median)} / ${fmt(c.product.p95)}` : 'n/a';
      c.baselines.forEach((b, i) => {
        rows.push([
          i === 0 ? c.figure : '',
          i === 0 ? c.unit : '',
          i === 0 ? product : '',
          i === 0 ? (c.product?.n ?? 0) : '',
          b.name,
          b.summary ? `${fmt(b.summary.median)} / ${fmt(b.summary.p95)}` : 'n/a',
          ratioText(c, b),
        ]);
      });
      if (c.baselines.length === 0) rows.push([c.figure, c.unit, product, c.product?.n ?? 0, '–', '–', '–']);
    }
    lines.push(...table(['figure', 'unit', 'product median / p95', 'n', 'baseline', 'baseline median / p95', 'ratio product/baseline'], rows), '');
    const notes = section.comparisons.filter((c) => c.note || c.baselines.some((b) => b.note));
    for (const c of notes) {
      if (c.note) lines.push(`- *${c.figure}*: ${c.note}`);
      for (const b of c.baselines) if (b.note) lines.push(`- *${c.figure}*, ${b.name}: ${b.note}`);
    }
    if (notes.length > 0) lines.push('');
  }
  if (section.measures.length > 0) {
    const rows = section.measures.map((m) => [
      m.figure,
      m.unit,
      m.summary ? fmt(m.summary.median) : m.summary === null ? 'n/a' : typeof m.value === 'number' ? fmt(m.value) : (m.value ?? '–'),
      m.summary ? fmt(m.summary.p95) : '',
      m.summary ? m.summary.n : '',
      m.note ?? '',
    ]);
    lines.push(...table(['figure', 'unit', 'median (or value)', 'p95', 'n', 'note'], rows), '');
  }
  for (const t of section.tables) {
    lines.push(`**${t.title}**`, '', ...table(t.columns, t.rows), '');
    if (t.note) lines.push(t.note, '');
  }
  for (const note of section.notes) lines.push(`- ${note}`);
  if (section.notes.length > 0) lines.push('');
  return lines;
}

/** Renders the whole run as a Markdown document. */
export function resultsMarkdown(results: BenchResults): string {
  const { meta } = results;
  const lines = [
    `# SecureConnect bench, ${meta.date.slice(0, 10)}`,
    '',
    meta.quick ? '**Quick run (BENCH_QUICK=1): tiny counts, the figures mean nothing.**\n' : '',
    `Chromium ${meta.chromium}; ${meta.cpus} CPUs (${meta.cpuModel}); ${meta.memoryGiB} GiB; Node ${meta.node}; ${meta.os}; commit ${meta.commit}; run took ${Math.round(meta.durationSeconds)} s; started ${meta.date}.`,
    '',
    'Times are medians / 95th percentiles in ms; rates in MiB/s. The ratio is product median ÷ baseline median: above 1 the product takes longer (times), below 1 it moves less (rates). ⚠ marks a product figure slower than its baseline by more than 30 % (in time). Baselines run interleaved with the product, repetition by repetition, on the same machine. How each figure is measured: bench/README.md.',
    '',
  ].filter((line, i) => line !== '' || i !== 2);
  for (const key of SECTION_KEYS) lines.push(...sectionMarkdown(results.sections[key]));
  lines.push('## Slower than the baseline by more than 30 %', '');
  if (results.slower.length === 0) lines.push('None.');
  for (const s of results.slower) lines.push(`- ${s.section}: ${s.figure} vs ${s.baseline}: ${fmt(s.ratio)}×`);
  lines.push('');
  return lines.join('\n');
}

/**
 * Section 3, bulk data throughput over the product's data path, swept over
 * message sizes.
 *
 * Product: `count` texts of the size, sent at once (as many `session/send-text`
 * commands as fit the receiver's burst allowance) from an extension page of
 * Alice's, timed from the first command to the last "Delivered" event. The
 * sweep runs with the popups closed and the driver in an extension page
 * without the popup's UI, so that it measures the data path: the page's port,
 * offscreen document, PeerJS, peer protocol, acknowledgement. What the popup's
 * rendering of the history adds is measured apart, first, with both popups
 * open and the history growing from empty ({@link measureWithPopups}).
 *
 * The peer protocol carries text only, at most 64 KiB (TEXT_MAX_BYTES) a
 * message, so 256 KiB payloads go as four 64 KiB texts each, and no binary
 * payload is possible.
 *
 * Baselines, the same bytes in the same message sizes, in the same browsers:
 * raw PeerJS (binary serialization as the product uses it, protocol-shaped
 * `text` messages, each acknowledged like the product's) and a raw
 * RTCDataChannel with `bufferedAmountLowThreshold` flow control (binary
 * messages; the receiver says when all arrived).
 */
import { drive, raw, sleep, type PageScripts } from '../lib/browser';
import type { BenchConfig } from '../lib/config';
import { withoutPopups, type BenchPair } from '../lib/pair';
import type { Comparison, Measure, SectionResult, Table } from '../lib/report';
import { mibPerSecond, summarize } from '../lib/stats';

/** The product's largest text, in bytes of UTF-8 (lib/protocol/peer.ts TEXT_MAX_BYTES). */
const TEXT_MAX_BYTES = 65_536;
/** The receiver's sustained allowance, messages per second (lib/session/rate-limit.ts PEER_MESSAGE_LIMIT). */
const RATE_LIMIT_PER_SECOND = 50;
/** Pause after a product transfer before the next step, in ms. */
const SETTLE_MS = 200;

function sizeLabel(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`;
}

/** Waits until the receiver's allowance has refilled after `messages` messages sent since `since` (ms, Date.now()). */
function refill(messages: number, since: number): Promise<void> {
  return sleep(Math.max(0, ((messages + 2) / RATE_LIMIT_PER_SECOND) * 1000 - (Date.now() - since)));
}

/** One transfer of 64 KiB texts with both popups open, and the history it met. */
interface PopupTrial {
  historyTexts: number;
  historyMiB: number;
  ms: number;
}

/** Texts a transfer with the popups open. */
const POPUP_TEXTS = 25;

/** `trials` transfers of {@link POPUP_TEXTS} texts of 64 KiB from Alice's popup, both popups open. */
async function measureWithPopups(pair: BenchPair, trials: number): Promise<PopupTrial[]> {
  const out: PopupTrial[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const started = Date.now();
    const history = await drive(pair.alicePopup, 'getState');
    const r = await drive(pair.alicePopup, 'bulk', pair.bobId, POPUP_TEXTS, TEXT_MAX_BYTES);
    out.push({ historyTexts: history.messages, historyMiB: history.bytes / 2 ** 20, ms: r.delivered });
    await refill(POPUP_TEXTS, started);
  }
  return out;
}

export async function throughputSection(pair: BenchPair, scripts: PageScripts, config: BenchConfig, log: (line: string) => void): Promise<SectionResult> {
  const { bobId, rawA } = pair;
  const popupTrials = config.quick ? 1 : 3;
  log('throughput: 64 KiB texts with both popups open, short history');
  const withPopups = await measureWithPopups(pair, popupTrials);

  // The sweep: popups closed, Alice drives from a quiet extension page.
  const comparisons: Comparison[] = [];
  const rows: Array<Array<string | number | null>> = [];
  const data: Record<string, unknown> = { withPopups };
  await withoutPopups(pair, scripts, async (quiet) => {
    for (const size of config.sizes) {
      const perMessage = Math.min(size, TEXT_MAX_BYTES);
      const parts = size / perMessage;
      const payloads = Math.max(1, Math.floor(config.throughputMessages / parts));
      const productMessages = payloads * parts;
      const bytes = payloads * size;
      const product: number[] = [];
      const productAccepted: number[] = [];
      const peerjs: number[] = [];
      const rtc: number[] = [];
      const steps = [
        async (): Promise<void> => {
          const r = await drive(quiet, 'bulk', bobId, productMessages, perMessage);
          product.push(r.delivered);
          productAccepted.push(r.accepted);
          // The receiver still shows a notification per text after the last ack: let that pass before a baseline runs.
          await sleep(SETTLE_MS);
        },
        async (): Promise<void> => void peerjs.push(await raw(rawA, 'peerBulk', payloads, size)),
        async (): Promise<void> => void rtc.push(await raw(rawA, 'rtcBulk', payloads, size)),
      ];
      // Trial -1 warms up (JIT, SCTP congestion window) and is not counted.
      for (let trial = -1; trial < config.throughputTrials; trial++) {
        const trialStart = Date.now();
        for (let k = 0; k < steps.length; k++) await steps[(trial + 1 + k) % steps.length]!();
        if (trial === -1) product.length = productAccepted.length = peerjs.length = rtc.length = 0;
        // Let the receiver's allowance refill before the next product burst, so no text is dropped.
        await refill(productMessages, trialStart);
      }
      log(`throughput ${sizeLabel(size)}: ${config.throughputTrials} trials of ${sizeLabel(bytes)}`);
      const rate = (times: number[]): number[] => times.map((ms) => mibPerSecond(bytes, ms));
      const note =
        parts > 1
          ? `No product text can hold ${sizeLabel(size)} (limit 64 KiB): each payload went as ${parts} texts of 64 KiB. The baselines sent ${sizeLabel(size)} messages.`
          : undefined;
      comparisons.push({
        figure: `${sizeLabel(size)} messages (${payloads} × ${sizeLabel(size)} = ${sizeLabel(bytes)} a transfer)`,
        unit: 'MiB/s',
        product: summarize(rate(product)),
        baselines: [
          { name: 'raw PeerJS, binary serialization, acked', summary: summarize(rate(peerjs)) },
          { name: 'raw RTCDataChannel, bufferedAmountLowThreshold', summary: summarize(rate(rtc)) },
        ],
        ...(note ? { note } : {}),
      });
      rows.push([sizeLabel(size), sizeLabel(bytes), productMessages, summarize(productAccepted).median, summarize(product).median, summarize(peerjs).median, summarize(rtc).median]);
      data[String(size)] = { bytes, payloads, productMessages, product, productAccepted, peerjs, rtc };
    }
  });
  // withoutPopups opened the popups again: now with the history the sweep left (500 texts of 64 KiB).
  log('throughput: 64 KiB texts with both popups open, full history');
  withPopups.push(...(await measureWithPopups(pair, popupTrials)));
  comparisons.push({
    figure: 'binary payload of several MiB',
    unit: 'MiB/s',
    product: null,
    baselines: [],
    note: 'Not applicable: the peer protocol carries text only (docs/protocol.md), at most 64 KiB a message.',
  });
  // What serializing one text costs, per size, in the baseline page (same engine as the offscreen document).
  const serialization: Array<Array<string | number | null>> = [];
  for (const size of new Set(config.sizes.map((s) => Math.min(s, TEXT_MAX_BYTES)))) {
    await raw(rawA, 'serializationCost', size, 2); // warm-up
    const cost = await raw(rawA, 'serializationCost', size, config.quick ? 2 : 20);
    serialization.push([sizeLabel(size), cost.chunks, cost.packMs, cost.unpackMs, cost.jsonMs, cost.utf8Ms]);
  }
  data.serialization = serialization;
  const popupTable: Table = {
    title: `With both popups open: ${POPUP_TEXTS} texts of 64 KiB (${sizeLabel(POPUP_TEXTS * TEXT_MAX_BYTES)}) a transfer, before and after the sweep filled the history`,
    columns: ['texts in the history', 'history MiB (as JSON)', 'ms to the last Delivered', 'MiB/s'],
    rows: withPopups.map((t) => [t.historyTexts, t.historyMiB, t.ms, mibPerSecond(POPUP_TEXTS * TEXT_MAX_BYTES, t.ms)]),
    note: 'The popup shows the newest 50 messages (the first 600 characters of a long one), on the main thread of the extension process, which it shares with the offscreen document (bench/README.md, "Known findings").',
  };
  const measures: Measure[] = [
    {
      figure: 'product ceiling over time, 64 KiB texts',
      unit: 'MiB/s',
      value: (RATE_LIMIT_PER_SECOND * TEXT_MAX_BYTES) / 1024 / 1024,
      note: 'By design: a receiver takes 50 messages/s, bursts of 100 (lib/session/rate-limit.ts); the transfers above fit one burst.',
    },
  ];
  return {
    title: '3. Bulk data throughput',
    comparisons,
    measures,
    tables: [
      {
        title: 'Median transfer times (ms), popups closed',
        columns: ['message size', 'transfer', 'product texts', 'product: all commands answered', 'product: last Delivered', 'raw PeerJS', 'raw RTCDataChannel'],
        rows,
      },
      popupTable,
      {
        title: 'CPU time to serialize one text message, ms (median of 20 batches of 10, in a page of Alice\'s browser)',
        columns: ['text', 'PeerJS chunks', 'PeerJS binary: pack + chunk + pack chunks', 'PeerJS binary: unpack chunks + join + unpack', 'JSON stringify + parse', 'UTF-8 encode + decode (floor)'],
        rows: serialization,
        note: 'With peerjs.util.pack / unpack / chunk of the stock bundle, as BinaryPack DataConnection.send and its receiver use them.',
      },
    ],
    notes: [
      'The sweep runs with both popups closed; Alice sends from an extension page without the popup\'s UI (mic-permission.html). Same commands, same events, same data path.',
    ],
    data,
  };
}

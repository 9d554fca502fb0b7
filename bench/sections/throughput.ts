/**
 * Section 3, bulk data throughput over the product's data path, swept over
 * message sizes.
 *
 * Product: `count` texts of the size, sent from Alice's popup page at once (as
 * many `session/send-text` commands as fit the receiver's burst allowance),
 * timed from the first command to the last "Delivered". The peer protocol
 * carries text only, at most 64 KiB (TEXT_MAX_BYTES) a message, so 256 KiB
 * payloads go as four 64 KiB texts each, and no binary payload is possible.
 * Baselines, the same bytes in the same message sizes, in the same browsers:
 * raw PeerJS (binary serialization as the product uses it, protocol-shaped
 * `text` messages, each acknowledged like the product's) and a raw
 * RTCDataChannel with `bufferedAmountLowThreshold` flow control (binary
 * messages; the receiver says when all arrived).
 */
import { drive, raw, sleep } from '../lib/browser';
import type { BenchConfig } from '../lib/config';
import type { BenchPair } from '../lib/pair';
import type { Comparison, SectionResult } from '../lib/report';
import { mibPerSecond, summarize } from '../lib/stats';

/** The product's largest text, in bytes of UTF-8 (lib/protocol/peer.ts TEXT_MAX_BYTES). */
const TEXT_MAX_BYTES = 65_536;
/** The receiver's sustained allowance, messages per second (lib/session/rate-limit.ts PEER_MESSAGE_LIMIT). */
const RATE_LIMIT_PER_SECOND = 50;

function sizeLabel(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`;
}

export async function throughputSection(pair: BenchPair, config: BenchConfig, log: (line: string) => void): Promise<SectionResult> {
  const { alicePopup, bobId, rawA } = pair;
  const comparisons: Comparison[] = [];
  const rows: Array<Array<string | number | null>> = [];
  const data: Record<string, unknown> = {};
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
        const r = await drive(alicePopup, 'bulk', bobId, productMessages, perMessage);
        product.push(r.delivered);
        productAccepted.push(r.accepted);
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
      await sleep(Math.max(0, ((productMessages + 2) / RATE_LIMIT_PER_SECOND) * 1000 - (Date.now() - trialStart)));
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
  comparisons.push({
    figure: 'binary payload of several MiB',
    unit: 'MiB/s',
    product: null,
    baselines: [],
    note: 'Not applicable: the peer protocol carries text only (docs/protocol.md), at most 64 KiB a message.',
  });
  return {
    title: '3. Bulk data throughput',
    comparisons,
    measures: [
      {
        figure: 'product ceiling over time, 64 KiB texts',
        unit: 'MiB/s',
        value: (RATE_LIMIT_PER_SECOND * TEXT_MAX_BYTES) / 1024 / 1024,
        note: 'By design: a receiver takes 50 messages/s, bursts of 100 (lib/session/rate-limit.ts); the transfers above fit one burst.',
      },
    ],
    tables: [
      {
        title: 'Median transfer times (ms)',
        columns: ['message size', 'transfer', 'product texts', 'product: all commands answered', 'product: last Delivered', 'raw PeerJS', 'raw RTCDataChannel'],
        rows,
      },
    ],
    notes: [],
    data,
  };
}

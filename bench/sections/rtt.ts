/**
 * Section 2, text round trip: a short text and its delivery acknowledgement.
 *
 * Product: `session/send-text` from Alice's popup page, through the background
 * to her offscreen document, over the PeerJS data connection to Bob's, whose
 * `ack` comes back and is broadcast as the `event/message` that turns the
 * popup's status to "Delivered"; timed in the popup page.
 * Baselines, in the same two browsers: a raw PeerJS echo (same connection
 * options) and a raw RTCDataChannel echo, timed in the sending page.
 * The three take turns, in rotating order, repetition by repetition.
 */
import { drive, raw, sleep } from '../lib/browser';
import type { BenchConfig } from '../lib/config';
import type { BenchPair } from '../lib/pair';
import type { SectionResult } from '../lib/report';
import { summarize } from '../lib/stats';

export async function rttSection(pair: BenchPair, config: BenchConfig, log: (line: string) => void): Promise<SectionResult> {
  const { alicePopup, bobId, rawA } = pair;
  const product: number[] = [];
  const accepted: number[] = [];
  const peerjs: number[] = [];
  const rtc: number[] = [];
  const steps = [
    async (i: number): Promise<void> => {
      const r = await drive(alicePopup, 'rtt', bobId, `ping ${i}`);
      product.push(r.delivered);
      accepted.push(r.accepted);
    },
    async (): Promise<void> => void peerjs.push(await raw(rawA, 'peerRtt')),
    async (): Promise<void> => void rtc.push(await raw(rawA, 'rtcRtt')),
  ];
  // One unmeasured round of each to warm up.
  for (const step of steps) await step(-1);
  product.length = accepted.length = peerjs.length = rtc.length = 0;
  for (let i = 0; i < config.rttReps; i++) {
    for (let k = 0; k < steps.length; k++) await steps[(i + k) % steps.length]!(i);
    // Keep well under the receiver's 50 messages/s (lib/session/rate-limit.ts).
    await sleep(25);
    if ((i + 1) % 20 === 0) log(`rtt ${i + 1}/${config.rttReps}`);
  }
  return {
    title: '2. Text round trip',
    comparisons: [
      {
        figure: 'text to "Delivered"',
        unit: 'ms',
        product: summarize(product),
        baselines: [
          { name: 'raw PeerJS echo', summary: summarize(peerjs) },
          { name: 'raw RTCDataChannel echo', summary: summarize(rtc) },
        ],
        note: 'Product: popup page → background → offscreen → peer → ack → offscreen → event/message in the popup page. Baselines: ping/pong between two plain pages in the same browsers.',
      },
    ],
    measures: [{ figure: 'product: send-text command to its reply (accepted, before the ack)', unit: 'ms', summary: summarize(accepted) }],
    tables: [],
    notes: [],
    data: { product, accepted, peerjs, rtc },
  };
}

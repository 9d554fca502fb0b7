/**
 * Section 2, text round trip: a short text and its delivery acknowledgement.
 *
 * Product: `session/send-text` from Alice's popup page, on its line (a port) to
 * her offscreen document, over the PeerJS data connection to Bob's, whose `ack`
 * comes back and reaches the page on its line as the status change that turns the
 * popup's status to "Delivered"; timed in the popup page.
 * Baselines, in the same two browsers: a raw PeerJS echo (same connection
 * options) and a raw RTCDataChannel echo, timed in the sending page.
 * All take turns, in rotating order, repetition by repetition; then the same
 * with both popups closed. Two diagnostics split the product's time: the same
 * text sent by one `runtime.sendMessage` instead of the port, and a command with
 * a small reply by either route.
 */
import type { Page } from 'playwright-core';
import { drive, raw, sleep, type PageScripts } from '../lib/browser';
import type { BenchConfig } from '../lib/config';
import { withoutPopups, type BenchPair } from '../lib/pair';
import type { SectionResult } from '../lib/report';
import { summarize } from '../lib/stats';

interface RttSeries {
  product: number[];
  accepted: number[];
  direct: number[];
  peerjs: number[];
  rtc: number[];
  portCommand: number[];
  directCommand: number[];
}

async function series(pair: BenchPair, page: Page, reps: number, log: (line: string) => void, label: string): Promise<RttSeries> {
  const { bobId, rawA } = pair;
  const out: RttSeries = { product: [], accepted: [], direct: [], peerjs: [], rtc: [], portCommand: [], directCommand: [] };
  const steps = [
    async (i: number): Promise<void> => {
      const r = await drive(page, 'rtt', bobId, `ping ${i}`);
      out.product.push(r.delivered);
      out.accepted.push(r.accepted);
    },
    async (i: number): Promise<void> => void out.direct.push((await drive(page, 'rtt', bobId, `ping ${i} direct`, 'direct')).delivered),
    async (): Promise<void> => void out.peerjs.push(await raw(rawA, 'peerRtt')),
    async (): Promise<void> => void out.rtc.push(await raw(rawA, 'rtcRtt')),
    async (): Promise<void> => void out.portCommand.push((await drive(page, 'getState', 'port', false)).ms),
    async (): Promise<void> => void out.directCommand.push((await drive(page, 'getState', 'direct', false)).ms),
  ];
  // One unmeasured round of each to warm up.
  for (const step of steps) await step(-1);
  for (const list of Object.values(out) as number[][]) list.length = 0;
  for (let i = 0; i < reps; i++) {
    for (let k = 0; k < steps.length; k++) await steps[(i + k) % steps.length]!(i);
    // Keep well under the receiver's 50 messages/s (lib/session/rate-limit.ts).
    await sleep(40);
    if ((i + 1) % 20 === 0) log(`rtt (${label}) ${i + 1}/${reps}`);
  }
  return out;
}

export async function rttSection(pair: BenchPair, scripts: PageScripts, config: BenchConfig, log: (line: string) => void): Promise<SectionResult> {
  const popups = await series(pair, pair.alicePopup, config.rttReps, log, 'popups open');
  const { quiet, messaging } = await withoutPopups(pair, scripts, async (alice) => {
    const quietSeries = await series(pair, alice, config.rttReps, log, 'popups closed');
    // The messaging primitives alone, page ↔ offscreen document, small and 64 KiB payloads.
    if (!(await drive(pair.aliceHost, 'installEcho'))) throw new Error('offscreen document not found');
    const small = await drive(alice, 'messagingCost', config.rttReps, 100);
    const large = await drive(alice, 'messagingCost', config.rttReps, 65_536);
    return { quiet: quietSeries, messaging: { small, large } };
  });
  const baselines = (s: RttSeries) => [
    { name: 'raw PeerJS echo', summary: summarize(s.peerjs) },
    { name: 'raw RTCDataChannel echo', summary: summarize(s.rtc) },
  ];
  return {
    title: '2. Text round trip',
    comparisons: [
      {
        figure: 'text to "Delivered"',
        unit: 'ms',
        product: summarize(popups.product),
        baselines: baselines(popups),
        note: 'Product: popup page → its port → offscreen → peer → ack → offscreen → status change on the port, in the popup page. Baselines: ping/pong between two plain pages in the same browsers.',
      },
      {
        figure: 'text to "Delivered", popups closed',
        unit: 'ms',
        product: summarize(quiet.product),
        baselines: baselines(quiet),
        note: 'The same, sent from a quiet extension page with both popups closed.',
      },
      {
        figure: 'text to "Delivered", the command sent by runtime.sendMessage instead of the port, popups open',
        unit: 'ms',
        product: summarize(popups.direct),
        baselines: baselines(popups),
        note: 'Diagnostic, not how pages send: `commandOffscreen` (as the background sends its commands) from the popup page instead of its port. The difference to the first row is what the port saves.',
      },
    ],
    measures: [
      { figure: 'send-text command to its reply (accepted, before the ack), popups open', unit: 'ms', summary: summarize(popups.accepted) },
      { figure: 'a command with a small reply (session/get-state) on the page\'s port and back, popups open', unit: 'ms', summary: summarize(popups.portCommand) },
      { figure: 'the same command by runtime.sendMessage to the offscreen document, popups open', unit: 'ms', summary: summarize(popups.directCommand) },
      { figure: 'a command on the port, popups closed', unit: 'ms', summary: summarize(quiet.portCommand) },
      { figure: 'the same command by runtime.sendMessage, popups closed', unit: 'ms', summary: summarize(quiet.directCommand) },
    ],
    tables: [
      {
        title: 'The messaging primitive alone: round trip from an extension page to an echo in the offscreen document, popups closed (median / p95 ms)',
        columns: ['payload', 'runtime.sendMessage (the background\'s commands)', 'runtime.connect port (opened once; pages\' lines)'],
        rows: (
          [
            ['100 characters', messaging.small],
            ['64 KiB', messaging.large],
          ] as const
        ).map(([label, m]) => {
          const a = summarize(m.sendMessage);
          const b = summarize(m.port);
          return [label, `${a.median.toFixed(2)} / ${a.p95.toFixed(2)}`, `${b.median.toFixed(2)} / ${b.p95.toFixed(2)}`];
        }),
        note: 'The echo listeners are the bench\'s, added to the offscreen document from the page (bench/pages/driver.ts installEcho). A page\'s command is one port round trip; its events come on the same port.',
      },
    ],
    notes: [],
    data: { popups, quiet, messaging },
  };
}

/**
 * Section 1, connect.
 *
 * Warm: from `session/connect` sent as the popup sends it to "connected" in the
 * state events of both users' pages, against raw PeerJS `peer.connect()` to
 * `open` on both sides between two plain pages (the stock bundle, the product's
 * connection options) on the same PeerServer, in the same two browsers,
 * alternating which goes first. Bob trusts Alice, so no person is asked.
 *
 * Cold: see `cold-start.ts`.
 */
import type { Page } from 'playwright-core';
import { drive, raw, sleep, type PageScripts } from '../lib/browser';
import type { BenchConfig } from '../lib/config';
import type { measureColdStart } from './cold-start';
import { withoutPopups, type BenchPair } from '../lib/pair';
import type { SectionResult } from '../lib/report';
import { median, summarize } from '../lib/stats';
import { markAfter, type Mark } from '../pages/timeline';

/** Moments of one connect, in ms after the command (product) or `connect()` call (PeerJS); see {@link PHASES}. */
type Phases = Partial<Record<(typeof PHASES)[number][0], number>>;

/** The phases of a connect, in order, with what they mean. */
const PHASES = [
  ['command', 'the connect command reaches the offscreen document (product only)'],
  ['createDataChannel', "the initiator's RTCPeerConnection creates its data channel (PeerJS starts)"],
  ['remoteOffer', 'the offer reaches the other side (through the PeerServer)'],
  ['remoteAnswer', 'the answer reaches the initiator'],
  ['openA', "the initiator's data channel opens (product: its first send, the hello it sends on open)"],
  ['openB', "the other side's channel opens (product: likewise)"],
  ['connectedB', '"connected" in the other side\'s page (product)'],
  ['connectedA', '"connected" in the initiator\'s page (product)'],
] as const;

function since(marks: readonly Mark[], what: Mark['what'], t0: number): number | undefined {
  const at = markAfter(marks, what, t0);
  return at === undefined ? undefined : at - t0;
}

/** One series of warm connects: product and raw PeerJS, interleaved. */
export interface WarmSeries {
  productBoth: number[];
  productA: number[];
  productB: number[];
  productReply: number[];
  peerBoth: number[];
  peerA: number[];
  productPhases: Phases[];
  peerPhases: Phases[];
}

/**
 * `reps` warm connects of each kind, alternating which goes first, driven from
 * pages `a` (Alice's) and `b` (Bob's). Leaves both the product and the PeerJS
 * baseline connected.
 */
async function warmSeries(pair: BenchPair, a: Page, b: Page, reps: number, log: (line: string) => void, label: string): Promise<WarmSeries> {
  const { aliceId, bobId, rawA, rawB, rawBId } = pair;
  const out: WarmSeries = { productBoth: [], productA: [], productB: [], productReply: [], peerBoth: [], peerA: [], productPhases: [], peerPhases: [] };
  // Mark the moments of each connect in both offscreen documents (the baseline pages always mark).
  if (!(await drive(pair.aliceHost, 'instrumentTimeline')) || !(await drive(pair.bobHost, 'instrumentTimeline'))) {
    throw new Error('offscreen document not found');
  }

  const productDisconnect = async (): Promise<void> => {
    const t = await drive(a, 'disconnect', bobId);
    await Promise.all([drive(b, 'peerReached', aliceId, 'disconnected', t), drive(a, 'peerReached', bobId, 'disconnected', t)]);
  };
  const product = async (): Promise<void> => {
    const c = await drive(a, 'connect', bobId);
    if (!c.ok) throw new Error(`connect failed: ${c.error}`);
    const [atA, atB] = await Promise.all([drive(a, 'peerReached', bobId, 'connected', c.t0), drive(b, 'peerReached', aliceId, 'connected', c.t0)]);
    out.productBoth.push(Math.max(atA, atB) - c.t0);
    out.productA.push(atA - c.t0);
    out.productB.push(atB - c.t0);
    out.productReply.push(c.replyAt - c.t0);
    const [marksA, marksB] = await Promise.all([drive(a, 'takeMarks'), drive(b, 'takeMarks')]);
    out.productPhases.push({
      command: since(marksA, 'command', c.t0),
      createDataChannel: since(marksA, 'createDataChannel', c.t0),
      remoteOffer: since(marksB, 'remote-offer', c.t0),
      remoteAnswer: since(marksA, 'remote-answer', c.t0),
      // The product sends `hello` the moment a channel opens: its first send marks the open (a DOM listener
      // would not do: the wrappers may outlive the page that installed them, and events skip dead realms).
      openA: since(marksA, 'firstSend', c.t0),
      openB: since(marksB, 'firstSend', c.t0),
      connectedB: atB - c.t0,
      connectedA: atA - c.t0,
    });
  };
  const peerjs = async (): Promise<void> => {
    const c = await raw(rawA, 'peerConnect', rawBId);
    pair.rawConnection = c.connectionId;
    await rawB.waitForFunction(
      (id) => (globalThis as unknown as { rawBench: { peerIncoming(id: string): { openAt?: number } | undefined } }).rawBench.peerIncoming(id)?.openAt,
      c.connectionId,
      { polling: 5 },
    );
    const atB = (await raw(rawB, 'peerIncoming', c.connectionId))!.openAt!;
    out.peerBoth.push(Math.max(c.openAt, atB) - c.t0);
    out.peerA.push(c.openAt - c.t0);
    const [marksA, marksB] = await Promise.all([raw(rawA, 'takeMarks'), raw(rawB, 'takeMarks')]);
    out.peerPhases.push({
      createDataChannel: since(marksA, 'createDataChannel', c.t0),
      remoteOffer: since(marksB, 'remote-offer', c.t0),
      remoteAnswer: since(marksA, 'remote-answer', c.t0),
      openA: c.openAt - c.t0,
      openB: atB - c.t0,
    });
  };
  const peerClose = async (): Promise<void> => {
    await raw(rawA, 'peerClose');
    await rawB.waitForFunction(
      (id) => (globalThis as unknown as { rawBench: { peerIncoming(id: string): { closedAt?: number } | undefined } }).rawBench.peerIncoming(id)?.closedAt,
      pair.rawConnection,
      { polling: 5 },
    );
  };

  // Both start disconnected, with no marks from before.
  await productDisconnect();
  await peerClose();
  await Promise.all([drive(a, 'takeMarks'), drive(b, 'takeMarks'), raw(rawA, 'takeMarks'), raw(rawB, 'takeMarks')]);
  for (let i = 0; i < reps; i++) {
    for (const step of i % 2 === 0 ? [product, peerjs] : [peerjs, product]) await step();
    // Settle both before the next repetition: closed on both sides.
    await productDisconnect();
    await peerClose();
    await Promise.all([drive(a, 'takeMarks'), drive(b, 'takeMarks'), raw(rawA, 'takeMarks'), raw(rawB, 'takeMarks')]);
    await sleep(100);
    if ((i + 1) % 10 === 0) log(`connect (${label}) ${i + 1}/${reps}`);
  }
  // Leave both connected for what follows (not counted).
  await product();
  await peerjs();
  for (const list of Object.values(out) as unknown[][]) list.length = reps;
  return out;
}

/** Warm connects from the popups (as a user has them), then from quiet pages with the popups closed. */
export async function measureWarmConnect(pair: BenchPair, scripts: PageScripts, config: BenchConfig, log: (line: string) => void): Promise<{ popups: WarmSeries; quiet: WarmSeries }> {
  const popups = await warmSeries(pair, pair.alicePopup, pair.bobPopup, config.connectReps, log, 'popups open');
  const quiet = await withoutPopups(pair, scripts, (a, b) => warmSeries(pair, a, b, config.connectReps, log, 'popups closed'));
  return { popups, quiet };
}

function phaseRows(series: WarmSeries): Array<Array<string | number | null>> {
  return PHASES.map(([key, meaning]) => {
    const at = (list: Phases[]): number | null => {
      const values = list.map((p) => p[key]).filter((v): v is number => v !== undefined);
      return values.length ? median(values) : null;
    };
    return [meaning, at(series.productPhases), at(series.peerPhases)];
  });
}

/** Builds the section from the measurements. */
export function connectSection(warm: Awaited<ReturnType<typeof measureWarmConnect>>, cold: Awaited<ReturnType<typeof measureColdStart>>): SectionResult {
  const { popups, quiet } = warm;
  return {
    title: '1. Connect',
    comparisons: [
      {
        figure: 'warm connect: command to "connected" on both sides',
        unit: 'ms',
        product: summarize(popups.productBoth),
        baselines: [{ name: 'raw PeerJS connect() to open on both sides', summary: summarize(popups.peerBoth) }],
        note: 'Product: `session/connect` sent from Alice\'s popup page to the `event/state` showing the peer connected, in both popups (Bob trusts Alice, so nobody is asked). Baseline: plain pages, stock PeerJS, same options (binary, reliable), same PeerServer and browsers.',
      },
      {
        figure: 'warm connect, popups closed (driven from a quiet extension page)',
        unit: 'ms',
        product: summarize(quiet.productBoth),
        baselines: [{ name: 'raw PeerJS connect() to open on both sides', summary: summarize(quiet.peerBoth) }],
        note: 'The same with both popups closed: what the popup\'s rendering costs the connect (it shares a main thread with the offscreen document).',
      },
      {
        figure: 'cold start: browser launch to peer registered',
        unit: 'ms',
        product: summarize(cold.product),
        baselines: [{ name: 'plain browser + page registering a PeerJS peer', summary: summarize(cold.baseline) }],
        note: 'From the launch call to the PeerServer logging the peer as joined. Product: an existing profile with the extension set up. Baseline: a plain profile opening a page (--app=URL) that registers at once.',
      },
    ],
    measures: [
      { figure: 'warm connect: to "connected" at Alice (initiator)', unit: 'ms', summary: summarize(popups.productA) },
      { figure: 'warm connect: to "connected" at Bob', unit: 'ms', summary: summarize(popups.productB) },
      { figure: 'warm connect: to the connect command\'s reply at Alice', unit: 'ms', summary: summarize(popups.productReply) },
      { figure: 'raw PeerJS: connect() to open at A', unit: 'ms', summary: summarize(popups.peerA) },
      { figure: 'cold start: launch call returned (product profile)', unit: 'ms', summary: summarize(cold.productLaunch) },
    ],
    tables: [
      {
        title: 'Where a warm connect spends its time (popups open): median ms from the command (product) or connect() (PeerJS) to each moment',
        columns: ['moment', 'product', 'raw PeerJS'],
        rows: phaseRows(popups),
        note: 'Marked by wrapping RTCPeerConnection.createDataChannel / setRemoteDescription and RTCDataChannel.send and open in the offscreen documents and the baseline pages (bench/pages/timeline.ts).',
      },
      {
        title: 'The same with the popups closed',
        columns: ['moment', 'product', 'raw PeerJS'],
        rows: phaseRows(quiet),
      },
      {
        title: 'Where a cold start spends its time: median ms from the launch call',
        columns: ['moment', 'product (offscreen document)', 'baseline (plain page)'],
        rows: (
          [
            ['documentStart', 'the registering document starts loading'],
            ['documentLoaded', 'its load event has ended'],
            ['registered', 'the PeerServer logs the peer as joined'],
          ] as const
        ).map(([key, meaning]) => [meaning, median(cold.productPhases.map((p) => p[key])), median(cold.baselinePhases.map((p) => p[key]))]),
        note: 'Document times from its performance.timeOrigin and navigation timing, read through the DevTools protocol (both browsers run with --remote-debugging-port=0).',
      },
    ],
    notes: [],
    data: { warm, cold },
  };
}

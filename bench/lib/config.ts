/**
 * How much the bench does: the full run (`npm run bench`, about 8 minutes on a
 * 2-core machine) or the quick smoke run (BENCH_QUICK=1: one or two repetitions
 * of everything, under a minute; its figures mean nothing).
 */

/** Repetition counts and sizes, per section. */
export interface BenchConfig {
  quick: boolean;
  /** Warm connects (product and raw PeerJS, interleaved). */
  connectReps: number;
  /** Cold starts (browser start to registered), product and baseline interleaved. */
  coldReps: number;
  /** Text round trips, each of product, raw PeerJS and raw RTCDataChannel. */
  rttReps: number;
  /** Bulk transfers per message size, each of product, raw PeerJS and raw RTCDataChannel. */
  throughputTrials: number;
  /** Product messages per bulk transfer (the receiver takes bursts of 100, then 50/s: lib/session/rate-limit.ts). */
  throughputMessages: number;
  /** Message sizes swept, in bytes. */
  sizes: number[];
  /** Share starts timed to the first decoded frame, per preset. */
  shareReps: number;
  /** Steady-state window of a share, per preset, in s. */
  shareSteadySeconds: number;
  /** Popup opens timed to interactive. */
  popupReps: number;
  /** PeerServer load: peers held per tier, OFFER relay rate (messages/s) and duration (s). */
  load: { tiers: number[]; relayRate: number; relaySeconds: number };
}

const KIB = 1024;

export const FULL: BenchConfig = {
  quick: false,
  connectReps: 30,
  coldReps: 30,
  rttReps: 60,
  throughputTrials: 30,
  throughputMessages: 32,
  sizes: [KIB, 16 * KIB, 64 * KIB, 256 * KIB],
  shareReps: 30,
  shareSteadySeconds: 15,
  popupReps: 30,
  load: { tiers: [1000, 5000, 20_000], relayRate: 1000, relaySeconds: 5 },
};

export const QUICK: BenchConfig = {
  quick: true,
  connectReps: 2,
  coldReps: 1,
  rttReps: 3,
  throughputTrials: 1,
  throughputMessages: 4,
  sizes: [KIB, 16 * KIB, 64 * KIB, 256 * KIB],
  shareReps: 1,
  shareSteadySeconds: 2,
  popupReps: 2,
  load: { tiers: [50], relayRate: 200, relaySeconds: 1 },
};

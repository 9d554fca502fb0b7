/**
 * The connection panel's figures, read from `RTCPeerConnection.getStats()`
 * (https://www.w3.org/TR/webrtc-stats/): which way the packets go (the selected
 * ICE candidate pair, RFC 8445), round-trip time, bitrate and packets lost.
 * Pure functions over stats reports, so they are unit-tested without a browser.
 */
import type { LinkStats } from '../protocol/runtime';

/** One stats object; only the fields we read. */
type Stat = Record<string, unknown> & { type: string; id: string };

/** A `RTCStatsReport`, or any map of stats objects by ID. */
export interface StatsLike {
  forEach(callback: (value: Stat) => void): void;
  get(id: string): unknown;
}

/** Totals kept between two readings, to turn byte counters into bitrates. */
export interface LinkSample {
  /** When the totals were read, in ms (any monotonic clock). */
  at: number;
  /** Bytes sent over every transport of the peer's connections. */
  bytesSent: number;
  /** Bytes received over every transport of the peer's connections. */
  bytesReceived: number;
}

const PRIVATE_ADDRESS = /^(?:10\.|127\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|169\.254\.|::1$|f[cd][0-9a-f]{2}:|fe80:)/i;

/**
 * The selected candidate pair of one connection and what it says about the route.
 *
 * - `relay`: either end is a TURN relay candidate; `relayProtocol` is how we reach our
 *   TURN server (`udp`, `tcp`, `tls`), from the local candidate (absent when only the peer relays).
 * - `nat`: either end is server-reflexive (learned from STUN), or peer-reflexive with a
 *   public address (a NAT mapping seen during the checks).
 * - `direct`: host candidates, or peer-reflexive with a private address (a LAN address
 *   the browser hid behind an mDNS name: https://datatracker.ietf.org/doc/html/draft-ietf-mmusic-mdns-ice-candidates).
 *
 * @returns `undefined` while no pair is selected (still checking, or failed).
 */
export function selectedRoute(report: StatsLike): Pick<LinkStats, 'route' | 'relayProtocol' | 'relayUrl' | 'rttMs'> | undefined {
  let pair: Stat | undefined;
  report.forEach((stat) => {
    if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string') {
      pair ??= report.get(stat.selectedCandidatePairId) as Stat | undefined;
    }
  });
  if (!pair) {
    // Firefox marks the pair itself; older Chrome only nominates it.
    report.forEach((stat) => {
      if (stat.type === 'candidate-pair' && (stat.selected === true || (stat.nominated === true && stat.state === 'succeeded'))) pair ??= stat;
    });
  }
  if (!pair) return undefined;
  const local = report.get(String(pair.localCandidateId)) as Stat | undefined;
  const remote = report.get(String(pair.remoteCandidateId)) as Stat | undefined;
  const types = [local?.candidateType, remote?.candidateType];
  const rtt = typeof pair.currentRoundTripTime === 'number' ? Math.round(pair.currentRoundTripTime * 1000) : undefined;
  const withRtt = rtt !== undefined ? { rttMs: rtt } : {};
  if (types.includes('relay')) {
    const ours = local?.candidateType === 'relay';
    const protocol = ours ? local.relayProtocol : undefined;
    // Chrome names the TURN server a relay candidate came from (`url`); Firefox does not.
    const url = ours && typeof local.url === 'string' ? local.url.slice(0, 300) : undefined;
    return {
      route: 'relay',
      ...(protocol === 'udp' || protocol === 'tcp' || protocol === 'tls' ? { relayProtocol: protocol } : {}),
      ...(url ? { relayUrl: url } : {}),
      ...withRtt,
    };
  }
  const natted = [local, remote].some(
    (candidate) =>
      candidate?.candidateType === 'srflx' ||
      (candidate?.candidateType === 'prflx' && typeof candidate.address === 'string' && !PRIVATE_ADDRESS.test(candidate.address)),
  );
  return { route: natted ? 'nat' : 'direct', ...withRtt };
}

/** Byte totals over every transport in the reports (data channel and media connections alike). */
export function byteTotals(reports: readonly StatsLike[], at: number): LinkSample {
  const sample: LinkSample = { at, bytesSent: 0, bytesReceived: 0 };
  for (const report of reports) {
    report.forEach((stat) => {
      if (stat.type !== 'transport') return;
      sample.bytesSent += typeof stat.bytesSent === 'number' ? stat.bytesSent : 0;
      sample.bytesReceived += typeof stat.bytesReceived === 'number' ? stat.bytesReceived : 0;
    });
  }
  return sample;
}

/**
 * Packets lost on media, both ways: `inbound-rtp.packetsLost` (what we did not get)
 * plus `remote-inbound-rtp.packetsLost` (what the peer reports it did not get).
 * `undefined` without media: SCTP data channels retransmit and report no loss.
 */
export function packetsLost(reports: readonly StatsLike[]): number | undefined {
  let lost: number | undefined;
  for (const report of reports) {
    report.forEach((stat) => {
      if ((stat.type === 'inbound-rtp' || stat.type === 'remote-inbound-rtp') && typeof stat.packetsLost === 'number') {
        lost = (lost ?? 0) + Math.max(0, stat.packetsLost);
      }
    });
  }
  return lost;
}

/** Bits per second between two samples; `undefined` without a previous one or time between them. */
export function bitrates(previous: LinkSample | undefined, current: LinkSample): Pick<LinkStats, 'sendBps' | 'receiveBps'> {
  if (!previous || current.at <= previous.at) return {};
  const seconds = (current.at - previous.at) / 1000;
  const rate = (now: number, before: number): number => Math.max(0, Math.round(((now - before) * 8) / seconds));
  return { sendBps: rate(current.bytesSent, previous.bytesSent), receiveBps: rate(current.bytesReceived, previous.bytesReceived) };
}

/**
 * Reads the panel's figures from `pc` (the data connection's) and `others` (the
 * peer's media connections), all at once.
 * @param previous the totals of the previous reading, for bitrates.
 * @returns the figures and the totals to keep for the next reading.
 * @throws what `getStats()` throws (a closed connection).
 */
export async function readLinkStats(
  pc: RTCPeerConnection,
  others: readonly RTCPeerConnection[],
  previous: LinkSample | undefined,
): Promise<{ stats: LinkStats; sample: LinkSample }> {
  const reports = (await Promise.all([pc, ...others].map((connection) => connection.getStats()))) as StatsLike[];
  const sample = byteTotals(reports, performance.now());
  const lost = packetsLost(reports);
  const stats: LinkStats = {
    iceState: pc.iceConnectionState,
    ...selectedRoute(reports[0]!),
    ...bitrates(previous, sample),
    ...(lost !== undefined ? { packetsLost: lost } : {}),
  };
  return { stats, sample };
}

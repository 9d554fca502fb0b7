import { describe, expect, it } from 'vitest';
import { bitrates, byteTotals, packetsLost, selectedRoute, type StatsLike } from '@/lib/session/link-stats';

/** A stats report as Chrome gives it: a map of stats objects by ID. */
function report(...stats: Array<Record<string, unknown> & { id: string; type: string }>): StatsLike {
  return new Map(stats.map((stat) => [stat.id, stat])) as unknown as StatsLike;
}

const transport = (pairId: string, bytes = { bytesSent: 0, bytesReceived: 0 }) => ({ id: 'T1', type: 'transport', selectedCandidatePairId: pairId, ...bytes });
const pair = (extra: Record<string, unknown> = {}) => ({ id: 'P1', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', currentRoundTripTime: 0.0234, ...extra });
const local = (candidateType: string, extra: Record<string, unknown> = {}) => ({ id: 'L', type: 'local-candidate', candidateType, address: '10.0.0.2', ...extra });
const remote = (candidateType: string, address = '192.168.1.9') => ({ id: 'R', type: 'remote-candidate', candidateType, address });

describe('selectedRoute', () => {
  it('names the route of the selected pair in the three ways the panel shows', () => {
    expect(selectedRoute(report(transport('P1'), pair(), local('host'), remote('host')))).toEqual({ route: 'direct', rttMs: 23 });
    expect(selectedRoute(report(transport('P1'), pair(), local('host'), remote('srflx', '203.0.113.7')))).toMatchObject({ route: 'nat' });
    expect(selectedRoute(report(transport('P1'), pair(), local('srflx'), remote('host')))).toMatchObject({ route: 'nat' });
    expect(selectedRoute(report(transport('P1'), pair(), local('relay', { relayProtocol: 'tls', url: 'turns:turn.example.org:5349' }), remote('host')))).toEqual({
      route: 'relay',
      relayProtocol: 'tls',
      relayUrl: 'turns:turn.example.org:5349',
      rttMs: 23,
    });
    // Only the peer relays: relayed, but how they reach their TURN server is theirs to know.
    expect(selectedRoute(report(transport('P1'), pair(), local('host'), remote('relay')))).toEqual({ route: 'relay', rttMs: 23 });
  });

  it('takes a peer-reflexive private address as direct (an mDNS-hidden LAN peer), a public one as NAT', () => {
    expect(selectedRoute(report(transport('P1'), pair(), local('host'), remote('prflx', '127.0.0.1')))).toMatchObject({ route: 'direct' });
    expect(selectedRoute(report(transport('P1'), pair(), local('host'), remote('prflx', 'fe80::1')))).toMatchObject({ route: 'direct' });
    expect(selectedRoute(report(transport('P1'), pair(), local('host'), remote('prflx', '198.51.100.4')))).toMatchObject({ route: 'nat' });
  });

  it('falls back to a nominated, succeeded pair (or Firefox\'s selected flag), and knows when there is none', () => {
    expect(selectedRoute(report(pair({ nominated: true, state: 'succeeded' }), local('host'), remote('host')))).toMatchObject({ route: 'direct' });
    expect(selectedRoute(report(pair({ selected: true }), local('relay', { relayProtocol: 'udp' }), remote('host')))).toMatchObject({ relayProtocol: 'udp' });
    expect(selectedRoute(report(pair({ nominated: false, state: 'in-progress' }), local('host'), remote('host')))).toBeUndefined();
    expect(selectedRoute(report())).toBeUndefined();
  });
});

describe('bitrates, byte totals and loss', () => {
  it('sums every transport of the peer\'s connections and turns deltas into bits per second', () => {
    const data = report(transport('P1', { bytesSent: 1000, bytesReceived: 500 }));
    const media = report({ id: 'T9', type: 'transport', bytesSent: 9000, bytesReceived: 0 });
    const before = byteTotals([data, media], 1000);
    expect(before).toEqual({ at: 1000, bytesSent: 10_000, bytesReceived: 500 });
    const after = { at: 3000, bytesSent: 260_000, bytesReceived: 500 + 25_000 };
    expect(bitrates(before, after)).toEqual({ sendBps: 1_000_000, receiveBps: 100_000 });
    expect(bitrates(undefined, after)).toEqual({});
    expect(bitrates(after, after)).toEqual({});
  });

  it('counts media packets lost both ways, and reports nothing for data only', () => {
    const media = report(
      { id: 'I1', type: 'inbound-rtp', kind: 'video', packetsLost: 12 },
      { id: 'I2', type: 'inbound-rtp', kind: 'audio', packetsLost: 3 },
      { id: 'RI', type: 'remote-inbound-rtp', kind: 'video', packetsLost: 5 },
    );
    expect(packetsLost([media])).toBe(20);
    expect(packetsLost([report(transport('P1'))])).toBeUndefined();
  });
});

/**
 * Our user's consent outlives the peer host that got it, while the browser runs
 * (lib/storage.ts `acceptedPeersItem`, `storage.session`): a host made anew does not
 * ask again for a peer accepted under the same identity, and asks after a `bye`.
 */
import type { Peer } from 'peerjs';
import { describe, expect, it } from 'vitest';
import { bye } from '@/lib/protocol/peer';
import { PeerSession } from '@/lib/session/peer-session';
import type { SessionSettings } from '@/lib/settings';
import { FakePeer, sdp, settings as baseSettings } from './support/fake-peer';
import { testLog } from './support/test-log';

const STRANGER = 'stranger-otter-9';

/** A registered session on a fake Peer, with what it asked and what it would keep. */
function host(settings: SessionSettings) {
  let peer: FakePeer | undefined;
  const handle = {
    get peer(): FakePeer {
      return peer!;
    },
  };
  const requests: string[] = [];
  const kept: Array<[string, string | undefined]> = [];
  const session = new PeerSession({
    createPeer: (id, options) => (peer = new FakePeer(id, options)) as unknown as Peer,
    onState: () => {},
    onMessage: () => {},
    onConnectionRequest: (id) => requests.push(id),
    onAccepted: (id, fingerprint) => kept.push([id, fingerprint]),
    log: testLog,
  });
  session.configure(settings);
  peer!.emit('open', settings.peerId);
  return {
    session,
    requests,
    kept,
    /** The current Peer (a restart makes a new one). */
    get peer(): FakePeer {
      return handle.peer;
    },
  };
}

/**
 * An offer whose SDP claims `fingerprint`: in a browser the claim and the certificate
 * DTLS verifies are one (the fake's certificates hash to something else than `fpOf`).
 */
function offer(peer: FakePeer, src: string, connectionId: string, fingerprint: string): void {
  (peer as unknown as { _handleMessage(m: unknown): void })._handleMessage({
    type: 'OFFER',
    src,
    payload: { type: 'data', connectionId, serialization: 'binary', reliable: true, metadata: { app: 'secureconnect' }, sdp: { type: 'offer', sdp: sdp(fingerprint) } },
  });
}

describe('consent kept for the browser session', () => {
  it('a host made anew connects a peer accepted before without asking; after its bye it asks', async () => {
    const first = host(baseSettings);
    first.peer.deliver(STRANGER, 'dc_1');
    expect(first.requests).toEqual([STRANGER]);
    first.session.answerConnection(STRANGER, true);
    await first.peer.answered[0]!.opened();
    expect(first.kept).toHaveLength(1);
    const [id, fingerprint] = first.kept[0]!;
    expect(id).toBe(STRANGER);
    // The background stores it, and settings sync hands it back: no new Peer for that, the connection stays.
    const before = first.peer;
    first.session.configure({ ...baseSettings, accepted: { [STRANGER]: fingerprint! } });
    expect(first.peer, 'the Peer').toBe(before);
    expect(first.session.getState().peers[0]).toMatchObject({ id: STRANGER, state: 'connected' });
    first.session.destroy();

    // The offscreen document was made anew; the background hands back what it kept.
    const second = host({ ...baseSettings, accepted: { [STRANGER]: fingerprint! } });
    offer(second.peer, STRANGER, 'dc_2', fingerprint!);
    expect(second.requests, 'asked again').toEqual([]);
    const conn = second.peer.answered[0]!;
    await conn.opened();
    expect(second.session.getState().peers[0]).toMatchObject({ id: STRANGER, state: 'connected' });

    // They say goodbye: consent is spent, for this host and the next.
    conn.emit('data', bye());
    expect(second.kept.at(-1)).toEqual([STRANGER, undefined]);
    offer(second.peer, STRANGER, 'dc_3', fingerprint!);
    expect(second.requests).toEqual([STRANGER]);
    second.session.destroy();
  });

  it('another identity under the same peer ID is asked about', () => {
    const other = 'AA:' + Array(31).fill('BB').join(':');
    const session = host({ ...baseSettings, accepted: { [STRANGER]: other } });
    session.peer.deliver(STRANGER, 'dc_1');
    expect(session.requests).toEqual([STRANGER]);
    session.session.destroy();
  });

  it('a name that is an Object.prototype member is nobody accepted', () => {
    const session = host({ ...baseSettings, accepted: {} });
    session.peer.deliver('toString', 'dc_1');
    expect(session.requests).toEqual(['toString']);
    session.session.destroy();
  });
});

/**
 * Issue 15: the sender's side of messages waiting for a peer not yet connected
 * (`server/cluster/pending.ts`), and the instance-channel messages
 * (`server/cluster/wire.ts`). No Redis: `unqueue` is a stand-in.
 */
import { describe, expect, it } from 'vitest';
import { PendingExpiry } from '../../server/cluster/pending';
import { kickText, parseChannelMessage, relayText, ThrottledLog } from '../../server/cluster/wire';

describe('PendingExpiry', () => {
  it('takes back nothing before expire_timeout, then each lapsed message once', async () => {
    const expiry = new PendingExpiry(5000);
    const asked: string[] = [];
    const unqueue = (dst: string, message: string): Promise<boolean> => {
      asked.push(`${dst}:${message}`);
      return Promise.resolve(true);
    };
    const expired: string[] = [];
    expiry.track('alice-1', 'bob-1', 'm1', 1000);
    await expiry.sweep(unqueue, (src, dst) => expired.push(`${src}>${dst}`), 5999);
    expect(asked).toEqual([]);
    await expiry.sweep(unqueue, (src, dst) => expired.push(`${src}>${dst}`), 6000);
    expect(asked).toEqual(['bob-1:m1']);
    expect(expired).toEqual(['alice-1>bob-1']);
    expect(expiry.size).toBe(0);
  });

  it('one EXPIRE per sender and destination; a sender’s later messages to the same peer lapse with the first', async () => {
    const expiry = new PendingExpiry(5000);
    expiry.track('alice-1', 'bob-1', 'offer', 0);
    expiry.track('alice-1', 'bob-1', 'candidate', 900);
    expiry.track('carol-1', 'bob-1', 'offer', 100);
    expiry.track('alice-1', 'dave-1', 'offer', 4000);
    const expired: string[] = [];
    await expiry.sweep(() => Promise.resolve(true), (src, dst) => expired.push(`${src}>${dst}`), 5200);
    expect(expired.sort()).toEqual(['alice-1>bob-1', 'carol-1>bob-1']);
    expect(expiry.size).toBe(1);
  });

  it('no EXPIRE for messages already delivered (the claim took them); Redis away counts as lapsed', async () => {
    const expiry = new PendingExpiry(1000);
    expiry.track('alice-1', 'bob-1', 'delivered', 0);
    expiry.track('carol-1', 'erin-1', 'lost', 0);
    const expired: string[] = [];
    await expiry.sweep(
      (dst) => (dst === 'bob-1' ? Promise.resolve(false) : Promise.reject(new Error('Redis away'))),
      (src, dst) => expired.push(`${src}>${dst}`),
      2000,
    );
    expect(expired).toEqual(['carol-1>erin-1']);
  });
});

describe('instance channel messages', () => {
  it('a relayed message is exactly what peer sends a client', () => {
    const text = relayText('OFFER', 'alice-1', 'bob-1', { sdp: 'v=0' });
    expect(text).toBe('{"type":"OFFER","src":"alice-1","dst":"bob-1","payload":{"sdp":"v=0"}}');
    expect(relayText('LEAVE', 'alice-1', 'bob-1', undefined)).toBe('{"type":"LEAVE","src":"alice-1","dst":"bob-1"}');
    expect(parseChannelMessage(text)).toEqual({ kind: 'relay', type: 'OFFER', src: 'alice-1', dst: 'bob-1', text });
  });

  it('kicks parse as kicks; anything else is ignored', () => {
    expect(parseChannelMessage(kickText('bob-1', 'ab12'))).toEqual({ kind: 'kick', id: 'bob-1', tokenHash: 'ab12' });
    for (const junk of ['', 'not json', 'null', '[]', '{"type":"OFFER"}', '{"kick":1,"hash":"x"}']) expect(parseChannelMessage(junk)).toBeUndefined();
  });
});

describe('ThrottledLog', () => {
  it('writes at most one line a second and counts the rest', () => {
    const lines: string[] = [];
    const log = new ThrottledLog((line) => lines.push(line), 1000);
    log.write('a', 0);
    log.write('b', 10);
    log.write('c', 500);
    log.write('d', 1200);
    expect(lines).toEqual(['a', 'd (and 2 more)']);
  });
});

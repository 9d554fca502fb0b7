import { describe, expect, it } from 'vitest';
import { ack, decodePeerMessage, hello, shareSignal, TEXT_MAX_BYTES, textMessage, utf8Length } from '@/lib/protocol/peer';

describe('decodePeerMessage', () => {
  it.each([
    hello('Ann'),
    hello(''),
    textMessage('4b7a0f1e-5a6b-4c1d-9e2f-0a1b2c3d4e5f', 'hi', 1_700_000_000_000),
    textMessage('m1', 'Привет 👋 سلام', 0),
    ack('m1'),
    shareSignal('share-accept', 's1'),
    shareSignal('share-decline', 's1'),
    shareSignal('share-end', 's1'),
  ])('accepts %j', (message) => {
    expect(decodePeerMessage(message)).toEqual({ ok: true, message });
  });

  it('accepts a text of exactly the limit, in bytes of UTF-8', () => {
    const text = 'я'.repeat(TEXT_MAX_BYTES / 2); // 2 bytes each
    expect(utf8Length(text)).toBe(TEXT_MAX_BYTES);
    expect(decodePeerMessage(textMessage('m', text, 1)).ok).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['a string', 'hello', 'not-object'],
    ['null', null, 'not-object'],
    ['an array', [1, 2], 'not-object'],
    ['an unknown type', { v: 1, type: 'shell', cmd: 'rm' }, 'type: unknown-type'],
    ['another version', { ...hello('x'), v: 2 }, 'v: version'],
    ['a missing version', { type: 'ack', id: 'm' }, 'v: bad-fields'],
    ['an unknown field', { ...ack('m'), extra: true }, 'extra: bad-fields'],
    ['an empty text', textMessage('m', '', 1), 'text: text-empty'],
    ['a text over the limit', textMessage('m', 'я'.repeat(TEXT_MAX_BYTES / 2 + 1), 1), 'text: text-long'],
    ['a text that is not a string', { ...textMessage('m', 'x', 1), text: { toString: 'x' } }, 'text: text-type'],
    ['an ID with spaces', textMessage('m 1', 'x', 1), 'id: id-invalid'],
    ['an overlong ID', ack('a'.repeat(65)), 'id: id-long'],
    ['a fractional time', textMessage('m', 'x', 1.5), 'sentAt: sent-at-type'],
    ['a negative time', textMessage('m', 'x', -1), 'sentAt: sent-at-type'],
    ['a long display name', hello('n'.repeat(65)), 'name: name-long'],
    ['a share signal without an ID', { v: 1, type: 'share-end' }, 'shareId: bad-fields'],
  ])('rejects %s', (_what, data, reason) => {
    expect(decodePeerMessage(data)).toEqual({ ok: false, reason });
  });

  it('does not let a throwing getter escape', () => {
    const hostile = {
      v: 1,
      type: 'text',
      get id(): string {
        throw new Error('boom');
      },
    };
    expect(decodePeerMessage(hostile)).toEqual({ ok: false, reason: 'unreadable' });
  });
});

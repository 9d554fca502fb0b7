/**
 * Property-based tests: the peer-message and extension-message decoders get
 * 10,000 generated malformed or hostile inputs each; none may throw, and each
 * must be rejected with a reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '@/lib/messaging';
import { ack, decodePeerMessage, hello, shareSignal, TEXT_MAX_BYTES, textMessage } from '@/lib/protocol/peer';
import { CHANNEL } from '@/lib/protocol/runtime';

const RUNS = 10_000;

/**
 * An object whose every string-keyed access throws, like a hostile Proxy.
 * (Symbol keys answer normally: fast-check itself looks for its clone symbol.)
 */
const hostileProxy = fc.constant(null).map(
  () =>
    new Proxy(
      {},
      {
        get: (_target, key) => {
          if (typeof key === 'symbol') return undefined;
          throw new Error('trap');
        },
        has: (_target, key) => {
          if (typeof key === 'symbol') return false;
          throw new Error('trap');
        },
        ownKeys: () => {
          throw new Error('trap');
        },
        getOwnPropertyDescriptor: () => {
          throw new Error('trap');
        },
      },
    ),
);

/** An object with a throwing getter on a field decoders read. */
const throwingGetter = fc.constantFrom('v', 'type', 'id', 'text', 'to', 'channel', 'body').map((key) =>
  Object.defineProperty({ v: 1, type: 'text', channel: CHANNEL, to: 'offscreen' }, key, {
    enumerable: true,
    get() {
      throw new Error('getter');
    },
  }),
);

/** A value that is not of the given JavaScript type. */
const notOfType = (type: 'string' | 'number' | 'boolean' | 'object') => fc.anything().filter((value) => typeof value !== type);

/** Valid peer messages, each mutated so that it is no longer valid. */
const brokenPeerMessage = fc
  .tuple(
    fc.constantFrom(
      hello('Ann') as Record<string, unknown>,
      textMessage('m1', 'hi', 1) as Record<string, unknown>,
      ack('m1') as Record<string, unknown>,
      shareSignal('share-end', 's1') as Record<string, unknown>,
    ),
    fc.oneof(
      // A required field of the wrong type.
      fc.record({ kind: fc.constant('retype' as const), value: notOfType('string') }),
      // An unknown extra field (including prototype-pollution names).
      fc.record({
        kind: fc.constant('extra' as const),
        key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'html'), fc.string({ minLength: 1 })),
        value: fc.anything(),
      }),
      // A required field missing.
      fc.record({ kind: fc.constant('drop' as const) }),
      // Another protocol version or an unknown type.
      fc.record({ kind: fc.constant('version' as const), value: fc.anything().filter((value) => value !== 1) }),
      fc.record({ kind: fc.constant('type' as const), value: fc.string().filter((t) => !['hello', 'text', 'ack', 'share-accept', 'share-decline', 'share-end'].includes(t)) }),
    ),
  )
  .map(([valid, mutation]) => {
    const message: Record<string, unknown> = { ...valid };
    const fields = Object.keys(valid).filter((key) => key !== 'v' && key !== 'type');
    const field = fields[0]!;
    switch (mutation.kind) {
      case 'retype':
        message[field] = mutation.value;
        break;
      case 'extra':
        if (mutation.key in valid) message[field] = 42;
        else Object.defineProperty(message, mutation.key, { value: mutation.value, enumerable: true, configurable: true, writable: true });
        break;
      case 'drop':
        delete message[field];
        break;
      case 'version':
        message.v = mutation.value;
        break;
      case 'type':
        message.type = mutation.value;
        break;
    }
    return message;
  });

/** Texts just over the size limit, in bytes of UTF-8. */
const oversizedText = fc.constantFrom('a', 'я', '€', '😀').map((char) => {
  const bytes = new TextEncoder().encode(char).length;
  return textMessage('big', char.repeat(Math.floor(TEXT_MAX_BYTES / bytes) + 1), 1);
});

const hostilePeerInput = fc.oneof(
  { weight: 4, arbitrary: fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }) },
  { weight: 4, arbitrary: brokenPeerMessage },
  { weight: 1, arbitrary: oversizedText },
  { weight: 1, arbitrary: hostileProxy },
  { weight: 1, arbitrary: throwingGetter },
);

describe('peer-message decoder under hostile input', () => {
  it(`rejects ${RUNS} generated inputs with a reason, never throwing`, () => {
    fc.assert(
      fc.property(hostilePeerInput, (input) => {
        let result: ReturnType<typeof decodePeerMessage> | undefined;
        expect(() => (result = decodePeerMessage(input))).not.toThrow();
        expect(result?.ok).toBe(false);
        if (result && !result.ok) expect(result.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Valid envelopes, each mutated so that it is no longer valid. */
const brokenEnvelope = fc
  .tuple(
    fc.constantFrom<Record<string, unknown>>(
      { channel: CHANNEL, to: 'offscreen', body: { type: 'session/connect', peerId: 'bob-otter-1' } },
      { channel: CHANNEL, to: 'background', body: { type: 'background/get-settings' } },
      { channel: CHANNEL, to: 'offscreen', body: { type: 'session/send-text', peerId: 'bob-otter-1', text: 'x' } },
    ),
    fc.oneof(
      fc.record({ kind: fc.constant('channel' as const), value: fc.anything().filter((value) => value !== CHANNEL) }),
      fc.record({ kind: fc.constant('to' as const), value: fc.anything().filter((value) => !['offscreen', 'background', 'broadcast'].includes(value as string)) }),
      fc.record({ kind: fc.constant('body' as const), value: notOfType('object') }),
      fc.record({ kind: fc.constant('command' as const), value: fc.string().filter((t) => !t.startsWith('session/') && !t.startsWith('background/')) }),
      fc.record({ kind: fc.constant('field' as const), value: notOfType('string') }),
    ),
  )
  .map(([valid, mutation]) => {
    const envelope: Record<string, unknown> = { ...valid, body: { ...(valid.body as object) } };
    const body = envelope.body as Record<string, unknown>;
    switch (mutation.kind) {
      case 'channel':
        envelope.channel = mutation.value;
        break;
      case 'to':
        envelope.to = mutation.value;
        break;
      case 'body':
        envelope.body = mutation.value;
        break;
      case 'command':
        body.type = mutation.value;
        break;
      case 'field':
        if ('peerId' in body) body.peerId = mutation.value;
        else body.type = mutation.value;
        break;
    }
    return envelope;
  });

const hostileEnvelope = fc.oneof(
  { weight: 4, arbitrary: fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true }) },
  { weight: 4, arbitrary: brokenEnvelope },
  { weight: 1, arbitrary: hostileProxy },
  { weight: 1, arbitrary: throwingGetter },
);

describe('extension-message decoder under hostile input', () => {
  it(`rejects ${RUNS} generated inputs with a reason, never throwing`, () => {
    fc.assert(
      fc.property(hostileEnvelope, (input) => {
        let result: ReturnType<typeof decodeEnvelope> | undefined;
        expect(() => (result = decodeEnvelope(input))).not.toThrow();
        expect(result?.ok).toBe(false);
        if (result && !result.ok) expect(result.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
  });
});

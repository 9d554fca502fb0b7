import { describe, expect, it } from 'vitest';
import { checkPeerId, cryptoRandomInt, generatePeerId, isPeerId, PEER_ID_MAX_LENGTH } from '@/lib/ids';

describe('generatePeerId', () => {
  it('makes adjective-animal-number IDs that pass validation', () => {
    for (let i = 0; i < 200; i++) {
      const id = generatePeerId();
      expect(id).toMatch(/^[a-z]+-[a-z]+-[1-9]\d{3}$/);
      expect(isPeerId(id)).toBe(true);
    }
  });

  it('uses the random source it is given', () => {
    expect(generatePeerId(() => 0)).toBe('amber-badger-1000');
  });

  it('rarely repeats', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => generatePeerId()));
    expect(ids.size).toBeGreaterThan(990);
  });
});

describe('cryptoRandomInt', () => {
  it('stays in range', () => {
    for (let i = 0; i < 1000; i++) {
      const n = cryptoRandomInt(7);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(7);
    }
  });
});

describe('checkPeerId', () => {
  it.each([
    ['brave-otter-4821', 'brave-otter-4821'],
    ['  spaced-id  ', 'spaced-id'],
    ['Alice_2', 'Alice_2'],
    ['abc', 'abc'],
  ])('accepts %j as %j', (input, id) => {
    expect(checkPeerId(input)).toEqual({ ok: true, id });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['ab', 'too-short'],
    ['a'.repeat(PEER_ID_MAX_LENGTH + 1), 'too-long'],
    ['has space', 'invalid-characters'],
    ['double--dash', 'invalid-characters'],
    ['-leading', 'invalid-characters'],
    ['trailing_', 'invalid-characters'],
    ['кириллица', 'invalid-characters'],
    ['<script>', 'invalid-characters'],
  ])('rejects %j: %s', (input, problem) => {
    expect(checkPeerId(input)).toEqual({ ok: false, problem });
  });

  it('isPeerId does not trim', () => {
    expect(isPeerId(' abc')).toBe(false);
  });
});

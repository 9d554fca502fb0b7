import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanDisplayName } from '@/lib/display-name';
import { DISPLAY_NAME_MAX_LENGTH } from '@/lib/settings';

const CONTROL_OR_FORMAT = /[\p{Cc}\p{Cf}]/u;

describe('cleanDisplayName', () => {
  it.each([
    ['Ann', 'Ann'],
    ['  Ann   Lee  ', 'Ann Lee'],
    ['Ann\tLee\nSmith\r\n', 'Ann Lee Smith'],
    ['Ann\u2028Lee\u2029\u0085x', 'Ann Lee x'],
    ['\u00a0Ann\u3000Lee\u2003', 'Ann Lee'],
    ['Ann\u0000\u0007\u001b[31mLee', 'Ann[31mLee'],
    ['\u007f\u0080\u009fAnn', 'Ann'],
    // Bidi embeddings and overrides (UAX #9): LRE, RLE, PDF, LRO, RLO.
    ['\u202a\u202b\u202c\u202d\u202eAnn', 'Ann'],
    // The override that makes "Ann (evil-otter-1234)" read backwards.
    ['\u202e4321-rett0-evarb', '4321-rett0-evarb'],
    // Isolates LRI, RLI, FSI, PDI and the marks LRM, RLM, ALM.
    ['\u2066A\u2067n\u2068n\u2069\u200e\u200f\u061c', 'Ann'],
    // Zero-width space, non-joiner, joiner, word joiner, BOM, soft hyphen.
    ['A\u200bn\u200cn\u200d\u2060\ufeff\u00ad', 'Ann'],
    // Blank-looking fillers are default-ignorable: a name of them is empty.
    ['\u3164\u115f\u1160\uffa0', ''],
    ['Ann\u034f\ufe0f', 'Ann'],
    // A lone surrogate is dropped; a pair is kept.
    ['Ann\ud800', 'Ann'],
    ['Ann 🦦', 'Ann 🦦'],
    ['Zoë Ñandú שלום مرحبا', 'Zoë Ñandú שלום مرحبا'],
    ['', ''],
    [' \u200b ', ''],
    ['x'.repeat(100), 'x'.repeat(DISPLAY_NAME_MAX_LENGTH)],
    [`${'x'.repeat(DISPLAY_NAME_MAX_LENGTH - 1)}🦦`, 'x'.repeat(DISPLAY_NAME_MAX_LENGTH - 1)],
    [`${'x'.repeat(DISPLAY_NAME_MAX_LENGTH - 1)} y`, 'x'.repeat(DISPLAY_NAME_MAX_LENGTH - 1)],
  ])('cleans %j to %j', (raw, clean) => {
    expect(cleanDisplayName(raw)).toBe(clean);
  });

  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\u202e', '\u2066', '\u200b', '\ufeff', 'a', 'ש', '\ud83e', '\udda6'), maxLength: 100 }),
  );

  it('never returns control or format characters, and stays within the length', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const clean = cleanDisplayName(raw);
        expect(clean).not.toMatch(CONTROL_OR_FORMAT);
        expect(clean.length).toBeLessThanOrEqual(DISPLAY_NAME_MAX_LENGTH);
        expect(clean).toBe(clean.trim());
        expect(clean).not.toMatch(/\s{2}/);
        expect(clean.isWellFormed()).toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const clean = cleanDisplayName(raw);
        expect(cleanDisplayName(clean)).toBe(clean);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Bidi islands (components/bidi.ts): values split out of translated sentences, text unchanged. */
import { describe, expect, it } from 'vitest';
import { island, splitIslands } from '@/components/bidi';

/** The sentence with `$1`, `$2` filled the way Chrome does. */
const fill = (message: string, values: string[]): string => message.replace(/\$(\d)/g, (_m, n: string) => values[Number(n) - 1] ?? '');

describe('splitIslands', () => {
  it('puts each value in its own island, the words around it as they are', () => {
    const sentence = fill('همتای $1 می‌خواهد $2 را به اشتراک بگذارد', [island(0), 'برگه']);
    expect(splitIslands(sentence, ['4821-otter'])).toEqual([
      { text: 'همتای ' },
      { text: '4821-otter', dir: 'ltr' },
      { text: ' می‌خواهد برگه را به اشتراک بگذارد' },
    ]);
  });

  it('keeps the text content of the plain sentence', () => {
    const values = ['ws://127.0.0.1:9000/', 'ann-otter-1000'];
    const parts = splitIslands(fill('$2 at $1, again $2', [island(0), island(1)]), values);
    expect(parts.map((part) => part.text).join('')).toBe(fill('$2 at $1, again $2', values));
    expect(parts.filter((part) => part.dir).length).toBe(3);
  });

  it('gives an island its own direction when asked (a tab title in any script)', () => {
    expect(splitIslands(`${island(0)} از ${island(1)}`, [{ text: 'مستندات', dir: 'auto' }, 'bob-lynx-2000'])).toEqual([
      { text: 'مستندات', dir: 'auto' },
      { text: ' از ' },
      { text: 'bob-lynx-2000', dir: 'ltr' },
    ]);
  });

  it('drops a stand-in without a value, and leaves a sentence without islands whole', () => {
    expect(splitIslands(`a${island(3)}b`, [])).toEqual([{ text: 'a' }, { text: 'b' }]);
    expect(splitIslands('Online', [])).toEqual([{ text: 'Online' }]);
  });
});

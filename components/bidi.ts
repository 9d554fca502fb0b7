/**
 * Left-to-right islands in translated sentences. A peer ID such as `4821-otter`,
 * a URL ending in `/` or a tab title in another script loses its order inside a
 * right-to-left sentence unless it is isolated. The sentence is translated with
 * stand-ins ({@link island}), then split ({@link splitIslands}) so that each value
 * is rendered in its own `<bdi>` (see BidiText.vue). The text content stays the
 * sentence `i18n.t` would give.
 */

/** A value shown as an island: a string is left to right (IDs, URLs, codes); `auto` follows its own first letter. */
export type Island = string | { text: string; dir: 'ltr' | 'auto' };

/** One piece of a split sentence. */
export interface SentencePart {
  text: string;
  /** Direction of an island; absent for the translated words around it. */
  dir?: 'ltr' | 'auto';
}

/** First of the private-use characters that stand in for islands: no translation contains them. */
const FIRST_MARK = 0xe000;
const MARKS = /([\uE000-\uE008])/;

/** The stand-in for island number `index` (0 for `$1`…), to pass to `i18n.t` as a substitution. */
export function island(index: number): string {
  return String.fromCharCode(FIRST_MARK + index);
}

/** Splits `text` (translated with {@link island} stand-ins) into words and the `islands` they stand for. */
export function splitIslands(text: string, islands: readonly Island[]): SentencePart[] {
  const parts: SentencePart[] = [];
  for (const piece of text.split(MARKS)) {
    if (piece === '') continue;
    if (!MARKS.test(piece)) {
      parts.push({ text: piece });
      continue;
    }
    const value = islands[piece.charCodeAt(0) - FIRST_MARK];
    if (value !== undefined) parts.push(typeof value === 'string' ? { text: value, dir: 'ltr' } : value);
  }
  return parts;
}

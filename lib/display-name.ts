/**
 * Display names: what a peer calls itself in its `hello`, and what our user types
 * as their own. A name is chosen by whoever sends it, so it is cleaned before it
 * is stored, sent or shown.
 */
import { DISPLAY_NAME_MAX_LENGTH } from './settings';

/**
 * Invisible characters removed outright: format characters (Unicode general
 * category Cf), lone surrogates (Cs) and every Default_Ignorable_Code_Point
 * (Hangul fillers, variation selectors, U+034F, …: blank-looking padding).
 *
 * Cf covers the bidirectional formatting characters of Unicode UAX #9
 * (https://www.unicode.org/reports/tr9/#Directional_Formatting_Characters): the
 * embeddings and overrides LRE, RLE, PDF, LRO, RLO (U+202A–U+202E), the isolates
 * LRI, RLI, FSI, PDI (U+2066–U+2069) and the marks LRM, RLM, ALM (U+200E, U+200F,
 * U+061C), with which a name could reorder the text shown after it, such as the
 * peer ID. It also covers the zero-width characters U+200B–U+200D and U+FEFF.
 */
const INVISIBLE = /[\p{Cf}\p{Cs}\p{Default_Ignorable_Code_Point}]/gu;

/** White space of every kind, line and paragraph separators and NEL included. */
const WHITE_SPACE = /[\s\p{Z}\u0085]+/gu;

/** Control characters (Cc) left once white space is a plain space. */
const CONTROL = /\p{Cc}/gu;

/**
 * Cleans a display name for storing, sending and showing: drops control (Cc) and
 * format (Cf) characters, lone surrogates and default-ignorable code points;
 * turns each run of white space into one space; trims; and keeps at most
 * {@link DISPLAY_NAME_MAX_LENGTH} UTF-16 code units, never splitting a surrogate pair.
 *
 * Idempotent: cleaning a clean name returns it unchanged.
 */
export function cleanDisplayName(raw: string): string {
  const cleaned = raw
    .replace(INVISIBLE, '')
    .replace(WHITE_SPACE, ' ')
    .replace(CONTROL, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (cleaned.length <= DISPLAY_NAME_MAX_LENGTH) return cleaned;
  const last = cleaned.charCodeAt(DISPLAY_NAME_MAX_LENGTH - 1);
  const cut = last >= 0xd800 && last <= 0xdbff ? DISPLAY_NAME_MAX_LENGTH - 1 : DISPLAY_NAME_MAX_LENGTH;
  return cleaned.slice(0, cut).trimEnd();
}

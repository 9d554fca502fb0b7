/**
 * Finding links in received text. Links are shown as text with a separate,
 * explicit "Open" action; only `http:` and `https:` URLs get one, so
 * `javascript:`, `data:` and other schemes stay inert text.
 */

/** A piece of a message: plain text, or a link the user may choose to open. */
export type TextSegment = { text: string; url?: undefined } | { text: string; url: string };

// Scheme, then anything up to white space or a character that usually ends a sentence.
const LINK = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}]+$/;

/**
 * Splits `text` into plain and link segments; joining the segments' `text`
 * gives back `text` exactly.
 */
export function splitLinks(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    let candidate = match[0];
    const trailing = TRAILING.exec(candidate)?.[0] ?? '';
    candidate = candidate.slice(0, candidate.length - trailing.length);
    const url = safeUrl(candidate);
    if (!url) continue;
    const start = match.index;
    if (start > last) segments.push({ text: text.slice(last, start) });
    segments.push({ text: candidate, url });
    last = start + candidate.length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
}

/** The URL if it parses and is http(s), else `undefined`. */
function safeUrl(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

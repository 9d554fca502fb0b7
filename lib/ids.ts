/**
 * Peer IDs: generation and validation.
 *
 * A peer ID is the name a PeerServer knows a user by. PeerJS accepts IDs that
 * match `^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$` (peerjs `util.validateId`);
 * we are stricter: no spaces, at most {@link PEER_ID_MAX_LENGTH} characters, so that
 * IDs are easy to read aloud and to put in a URL.
 */

/** Longest peer ID we accept, in characters. */
export const PEER_ID_MAX_LENGTH = 64;

/** Shortest peer ID we accept, in characters. */
export const PEER_ID_MIN_LENGTH = 3;

const PEER_ID_PATTERN = /^[A-Za-z0-9]+(?:[_-][A-Za-z0-9]+)*$/;

const ADJECTIVES = [
  'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'cosmic', 'crisp', 'daring', 'eager',
  'fair', 'fancy', 'gentle', 'glad', 'golden', 'happy', 'hidden', 'jolly', 'keen', 'kind',
  'lively', 'lucky', 'merry', 'mighty', 'misty', 'noble', 'polite', 'proud', 'quick', 'quiet',
  'rapid', 'royal', 'shiny', 'silent', 'silver', 'smart', 'snowy', 'solar', 'spry', 'steady',
  'sunny', 'swift', 'tidy', 'vivid', 'warm', 'wise', 'witty', 'zesty',
] as const;

const ANIMALS = [
  'badger', 'beaver', 'bison', 'crane', 'dolphin', 'eagle', 'falcon', 'ferret', 'finch', 'fox',
  'gecko', 'heron', 'ibis', 'jaguar', 'koala', 'lemur', 'lynx', 'marten', 'moose', 'newt',
  'ocelot', 'orca', 'otter', 'owl', 'panda', 'puffin', 'quail', 'raven', 'robin', 'salmon',
  'seal', 'sparrow', 'stoat', 'swan', 'tapir', 'tiger', 'toucan', 'turtle', 'walrus', 'wombat',
  'wren', 'yak', 'zebra',
] as const;

/** Source of uniform random integers in `[0, max)`; injectable for tests. */
export type RandomInt = (max: number) => number;

/** Uniform random integer in `[0, max)` from the Web Crypto API (no modulo bias for max ≤ 2^16). */
export const cryptoRandomInt: RandomInt = (max) => {
  const limit = Math.floor(0x1_0000_0000 / max) * max;
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    const value = buf[0]!;
    if (value < limit) return value % max;
  }
};

/**
 * Makes a human-friendly peer ID such as `brave-otter-4821`:
 * adjective, animal and a four-digit number (about 20 million combinations),
 * so that two users on one PeerServer rarely collide.
 */
export function generatePeerId(randomInt: RandomInt = cryptoRandomInt): string {
  const adjective = ADJECTIVES[randomInt(ADJECTIVES.length)]!;
  const animal = ANIMALS[randomInt(ANIMALS.length)]!;
  const number = 1000 + randomInt(9000);
  return `${adjective}-${animal}-${number}`;
}

/** Why a peer ID was rejected; the UI turns the reason into words. */
export type PeerIdProblem = 'empty' | 'too-short' | 'too-long' | 'invalid-characters';

/**
 * Checks a peer ID typed by a user (surrounding white space is ignored).
 *
 * @returns `{ ok: true, id }` with the trimmed ID, or `{ ok: false, problem }`.
 */
export function checkPeerId(input: string): { ok: true; id: string } | { ok: false; problem: PeerIdProblem } {
  const id = input.trim();
  if (id.length === 0) return { ok: false, problem: 'empty' };
  if (id.length < PEER_ID_MIN_LENGTH) return { ok: false, problem: 'too-short' };
  if (id.length > PEER_ID_MAX_LENGTH) return { ok: false, problem: 'too-long' };
  if (!PEER_ID_PATTERN.test(id)) return { ok: false, problem: 'invalid-characters' };
  return { ok: true, id };
}

/** True when `id` is a valid peer ID exactly as given (no trimming). */
export function isPeerId(id: string): boolean {
  const result = checkPeerId(id);
  return result.ok && result.id === id;
}

/**
 * A PeerJS connection ID as we accept it from the PeerServer and show it: `dc_` (data)
 * or `mc_` (media) and a token. PeerJS 1.5 makes them `dc_`/`mc_` + a random base-36
 * string (`util.randomToken()`); the bound keeps a hostile one short.
 */
export const CONNECTION_ID_PATTERN = /^(dc|mc)_[A-Za-z0-9]{1,64}$/;

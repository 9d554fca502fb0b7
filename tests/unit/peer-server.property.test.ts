/**
 * Issue 10, finding 4, property-based: at least 10,000 malformed WebSocket
 * messages and raw frames against the real `server/cli.ts` in a child process.
 * Each batch must leave it running and answering; afterwards two well-behaved
 * clients must still be able to exchange an offer and an answer through it.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeFrame,
  healthStatus,
  newToken,
  rawPeer,
  rawUpgrade,
  spawnPeerServer,
  textFrame,
  type PeerServerProcess,
  type RawFrame,
  type RawPeer,
} from './support/peer-server';

const RUNS = 50;
const BATCH = 200;
/** Stands for the sending socket's own ID, so that some messages come back to it. */
const SELF = '$self';

type Case = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array } | { kind: 'raw'; bytes: Uint8Array } | { kind: 'frame'; frame: RawFrame };

const typeNames = ['OFFER', 'ANSWER', 'CANDIDATE', 'HEARTBEAT', 'LEAVE', 'EXPIRE', 'OPEN', 'ERROR', 'ID-TAKEN', '__proto__', 'constructor'];
const idLike = fc.oneof(
  fc.constant(SELF),
  fc.constantFrom('__proto__', 'constructor', 'toString', '', 'a'.repeat(65), 'br\u0430ve-otter-4821', 'ab', 'x\ny'),
  fc.stringMatching(/^[a-z]{3,12}$/),
  fc.string({ maxLength: 40 }),
);
const json = fc.jsonValue({ maxDepth: 4 });
const huge = fc.integer({ min: 1_000, max: 80_000 }).map((n) => 'x'.repeat(n));
const deep = fc.integer({ min: 10, max: 30_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`);
const message = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...typeNames), json),
    dst: fc.oneof(idLike, json),
    src: fc.oneof(idLike, json),
    payload: fc.oneof({ weight: 5, arbitrary: json }, { weight: 1, arbitrary: huge }),
  },
  { requiredKeys: [] },
);
const text: fc.Arbitrary<Case> = fc
  .oneof(
    { weight: 2, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 6, arbitrary: message.map((m) => JSON.stringify(m)) },
    { weight: 1, arbitrary: message.map((m) => JSON.stringify(m).replace(/^\{/, '{"__proto__":{"type":"OFFER","dst":"$self"},')) },
    { weight: 1, arbitrary: fc.oneof(deep, deep.map((d) => `{"type":"OFFER","dst":"${SELF}","payload":${d}}`)) },
  )
  .map((t) => ({ kind: 'text', text: t }));
const binary: fc.Arbitrary<Case> = fc.uint8Array({ maxLength: 1000 }).map((bytes) => ({ kind: 'binary', bytes }));
const rawBytes: fc.Arbitrary<Case> = fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => ({ kind: 'raw', bytes }));
const frame: fc.Arbitrary<Case> = fc
  .record({
    fin: fc.boolean(),
    rsv: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 7 })),
    opcode: fc.integer({ min: 0, max: 15 }),
    masked: fc.oneof(fc.constant(true), fc.boolean()),
    payload: fc.uint8Array({ maxLength: 300 }),
    claimedLength: fc.option(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { nil: undefined }),
  })
  .map((f) => ({ kind: 'frame', frame: f }));
const anyCase = fc.oneof({ weight: 6, arbitrary: text }, { weight: 1, arbitrary: binary }, { weight: 1, arbitrary: rawBytes }, { weight: 2, arbitrary: frame });

let server: PeerServerProcess | undefined;
const crashes: string[] = [];
let sent = 0;
let serial = 0;
const nextId = (): string => `fuzz-${process.pid}-${++serial}`;

/** A live server: the last one, or a new one if a batch killed it (kept for the report). */
async function liveServer(): Promise<PeerServerProcess> {
  if (server && server.exited() === undefined) return server;
  if (server) crashes.push(server.output());
  server = await spawnPeerServer();
  return server;
}

const payloadNonce = (m: Record<string, unknown>): unknown => (m.payload as { nonce?: unknown } | undefined)?.nonce;

/**
 * Sends text and binary cases over one registered socket each, each followed by
 * an offer to itself; the echo proves the server handled the case. A socket the
 * server closes (too big, bad UTF-8) is replaced. Resolves with the stuck cases.
 */
async function messageLane(target: PeerServerProcess, cases: Case[]): Promise<string[]> {
  const stuck: string[] = [];
  let peer: RawPeer | undefined;
  let used = 0;
  for (const c of cases) {
    if (!peer || peer.closedWith() !== undefined || used >= 100) {
      peer?.socket.close();
      peer = await rawPeer(target.wsBase, nextId());
      used = 0;
    }
    used++;
    if (c.kind === 'text') peer.socket.send(c.text.split(JSON.stringify(SELF)).join(JSON.stringify(peer.id)));
    else if (c.kind === 'binary') peer.socket.send(c.bytes, { binary: true });
    const nonce = `n${++serial}`;
    peer.send({ type: 'OFFER', dst: peer.id, payload: { nonce } });
    const echo = await peer.waitFor((m) => payloadNonce(m) === nonce, 3000);
    if (!echo && peer.closedWith() === undefined) stuck.push(c.kind === 'text' ? c.text.slice(0, 200) : 'binary');
    sent++;
  }
  peer?.socket.close();
  return stuck;
}

/** Writes one raw case after a fresh upgrade, then a valid frame; waits briefly for an echo or a close. */
async function rawCase(target: PeerServerProcess, c: Case): Promise<void> {
  const id = nextId();
  const { socket } = await rawUpgrade(target.port, `/peerjs/peerjs?key=peerjs&id=${id}&token=${newToken()}`);
  const bytes = c.kind === 'frame' ? encodeFrame(c.frame) : Buffer.from(c.kind === 'raw' ? c.bytes : []);
  const nonce = `n${++serial}`;
  await new Promise<void>((done) => {
    const timer = setTimeout(finish, 150);
    function finish(): void {
      clearTimeout(timer);
      socket.destroy();
      done();
    }
    socket.on('data', (chunk: Buffer) => {
      if (chunk.includes(nonce)) finish();
    });
    socket.once('close', finish);
    socket.write(Buffer.concat([bytes, textFrame(JSON.stringify({ type: 'OFFER', dst: id, payload: { nonce } }))]));
  });
  sent++;
}

/** Runs `jobs` with at most `width` at a time. */
async function pool<T>(items: T[], width: number, job: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await job(item);
  }));
}

afterAll(async () => {
  await server?.kill();
});

describe('PeerServer under 10,000 malformed messages and frames (fast-check, child process)', () => {
  it('stays up, answers /health and keeps relaying for well-behaved clients', async () => {
    const started = Date.now();
    const details = await fc.check(
      fc.asyncProperty(fc.array(anyCase, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        const target = await liveServer();
        const messages = cases.filter((c) => c.kind === 'text' || c.kind === 'binary');
        const raw = cases.filter((c) => c.kind === 'raw' || c.kind === 'frame');
        const lanes = [0, 1, 2, 3].map((lane) => messages.filter((_, i) => i % 4 === lane));
        const [stuck] = await Promise.all([
          Promise.all(lanes.map((lane) => messageLane(target, lane))).then((all) => all.flat()),
          pool(raw, 24, (c) => rawCase(target, c)),
        ]);
        expect(stuck, 'cases after which the server neither relayed nor closed').toEqual([]);
        expect(target.exited(), target.output().slice(-4000)).toBeUndefined();
        expect(await healthStatus(target.httpBase)).toBe(200);
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // The default report prints all 200 cases of the failing batch, some 80 KB long: say less.
    const summary = details.failed
      ? `failed after ${details.numRuns} batches (seed ${details.seed}, path ${details.counterexamplePath}): ${String(details.errorInstance).slice(0, 2000)}`
      : '';
    expect(details.failed, summary).toBe(false);
    expect(crashes.map((output) => output.slice(-2000)), 'outputs of servers that exited').toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(RUNS * BATCH);

    const target = await liveServer();
    expect(await healthStatus(target.httpBase)).toBe(200);
    const [alice, bob] = await Promise.all([rawPeer(target.wsBase, 'well-behaved-alice'), rawPeer(target.wsBase, 'well-behaved-bob')]);
    alice.send({ type: 'OFFER', dst: bob.id, payload: { sdp: { type: 'offer', sdp: 'v=0' }, type: 'data', connectionId: 'dc_ok' } });
    expect(await bob.waitFor((m) => m.type === 'OFFER')).toMatchObject({ src: alice.id, dst: bob.id });
    bob.send({ type: 'ANSWER', dst: alice.id, payload: { sdp: { type: 'answer', sdp: 'v=0' }, type: 'data', connectionId: 'dc_ok' } });
    expect(await alice.waitFor((m) => m.type === 'ANSWER')).toMatchObject({ src: bob.id });
    alice.socket.close();
    bob.socket.close();
    const logged = (pattern: RegExp): number => target.output().split('\n').filter((line) => pattern.test(line)).length;
    console.log(
      `fuzz: ${sent} malformed messages and frames in ${((Date.now() - started) / 1000).toFixed(1)} s; server log: ` +
        `${logged(/^dropped a message/)} drop lines, ${logged(/^socket error/)} socket errors, ` +
        `${logged(/^refused a registration/)} refused registrations, ${logged(/^PeerServer error/)} other errors`,
    );
  }, 120_000);
});

/**
 * Load generator for the cluster bench: holds WebSocket clients spread over
 * several PeerServer instances the way PeerJS does (registration, HEARTBEAT
 * every 5 s), and relays OFFERs between them, same-instance and cross-instance
 * interleaved, timing each from send to receipt in this one process. Started by
 * bench/sections/cluster.ts with `fork` (IPC). Loopback only; exits by itself
 * after BENCH_LIFETIME_MS, or when the parent goes.
 * The protocol is PeerServer's (see bench/load/generator.ts).
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

const lifetimeMs = Number(process.env.BENCH_LIFETIME_MS ?? 300_000);
const HEARTBEAT_MS = 5000;
const HEARTBEAT_SLICES = 50;
const OPEN_CONCURRENCY = 200;

/** Parent → child requests. */
export type ClusterGeneratorRequest =
  | { type: 'open'; ports: number[]; count: number; prefix: string }
  | { type: 'relay'; ratePerKind: number; seconds: number; payloadBytes: number }
  | { type: 'close' };

/** What a relay run measured, per kind. */
export interface RelayRun {
  same: { sent: number; received: number; latencies: number[] };
  cross: { sent: number; received: number; latencies: number[] };
  seconds: number;
}

interface Client {
  id: string;
  /** Index of its instance in the ports of the `open` request. */
  instance: number;
  socket: WebSocket;
}

const clients: Client[] = [];
/** Clients by instance index, for choosing pairs. */
const byInstance: Client[][] = [];

function openOne(port: number, instance: number, id: string): Promise<Client | string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/peerjs/peerjs?key=peerjs&id=${id}&token=${randomUUID().replaceAll('-', '')}`);
    let settled = false;
    const settle = (value: Client | string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const timer = setTimeout(() => {
      socket.terminate();
      settle('timeout');
    }, 20_000);
    socket.once('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: { msg?: string } };
      if (message.type === 'OPEN') settle({ id, instance, socket });
      else {
        settle(message.payload?.msg ?? message.type);
        socket.close();
      }
    });
    socket.once('error', (error) => settle((error as { code?: string }).code ?? error.message));
    socket.once('close', () => settle('closed'));
  });
}

async function open(ports: number[], count: number, prefix: string): Promise<{ opened: number; failed: Record<string, number>; ms: number }> {
  const started = performance.now();
  const failed: Record<string, number> = {};
  let next = 0;
  let opened = 0;
  const base = clients.length;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const n = base + next++;
      const instance = n % ports.length;
      const result = await openOne(ports[instance]!, instance, `${prefix}-${n}`);
      if (typeof result === 'string') failed[result] = (failed[result] ?? 0) + 1;
      else {
        clients.push(result);
        (byInstance[instance] ??= []).push(result);
        opened++;
        result.socket.on('message', onMessage);
      }
    }
  };
  await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, worker));
  return { opened, failed, ms: performance.now() - started };
}

let heartbeatTick = 0;
setInterval(() => {
  const slice = heartbeatTick++ % HEARTBEAT_SLICES;
  for (let i = slice; i < clients.length; i += HEARTBEAT_SLICES) {
    const socket = clients[i]!.socket;
    if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"HEARTBEAT"}');
  }
}, HEARTBEAT_MS / HEARTBEAT_SLICES);

let run: RelayRun = { same: { sent: 0, received: 0, latencies: [] }, cross: { sent: 0, received: 0, latencies: [] }, seconds: 0 };

function onMessage(data: WebSocket.RawData): void {
  const text = String(data);
  if (!text.startsWith('{"type":"OFFER"')) return;
  const message = JSON.parse(text) as { payload: { t0: number; kind: 'same' | 'cross' } };
  const kind = run[message.payload.kind];
  kind.latencies.push(performance.timeOrigin + performance.now() - message.payload.t0);
  kind.received++;
}

/** The k-th pair of a kind: sender and receiver on one instance, or on two different ones. */
function pair(kind: 'same' | 'cross', k: number): [Client, Client] {
  const instances = byInstance.length;
  const a = k % instances;
  const from = byInstance[a]!;
  const x = Math.floor(k / instances) % from.length;
  if (kind === 'same') return [from[x]!, from[(x + Math.floor(from.length / 2)) % from.length]!];
  const to = byInstance[(a + 1 + (Math.floor(k / instances) % (instances - 1))) % instances]!;
  return [from[x]!, to[x % to.length]!];
}

/**
 * Sends OFFERs at `ratePerKind` per second of each kind for `seconds`,
 * alternating same-instance and cross-instance, with PeerJS's offer shape and
 * an SDP of `payloadBytes`; waits up to 2 s for stragglers.
 */
async function relay(ratePerKind: number, seconds: number, payloadBytes: number): Promise<RelayRun> {
  if (byInstance.length < 2 || byInstance.some((list) => list.length < 2)) throw new Error('need two clients on each of two instances at least');
  run = { same: { sent: 0, received: 0, latencies: [] }, cross: { sent: 0, received: 0, latencies: [] }, seconds: 0 };
  const sdp = 'v=0\r\n'.padEnd(payloadBytes, 'a');
  const total = Math.round(ratePerKind * seconds);
  let k = 0;
  const started = performance.now();
  await new Promise<void>((done) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * ratePerKind));
      while (k < due) {
        for (const kind of k % 2 === 0 ? (['same', 'cross'] as const) : (['cross', 'same'] as const)) {
          const [from, to] = pair(kind, k);
          const payload = { t0: performance.timeOrigin + performance.now(), kind, sdp: { type: 'offer', sdp }, type: 'data', connectionId: `dc_${k}`, serialization: 'binary', reliable: true };
          from.socket.send(JSON.stringify({ type: 'OFFER', dst: to.id, payload }));
          run[kind].sent++;
        }
        k++;
      }
      if (k >= total) {
        clearInterval(tick);
        done();
      }
    }, 5);
  });
  run.seconds = (performance.now() - started) / 1000;
  const waitUntil = performance.now() + 2000;
  while (run.same.received + run.cross.received < run.same.sent + run.cross.sent && performance.now() < waitUntil) await new Promise((r) => setTimeout(r, 10));
  return run;
}

process.on('message', (request: ClusterGeneratorRequest) => {
  void (async () => {
    try {
      if (request.type === 'open') process.send?.({ type: 'opened', ...(await open(request.ports, request.count, request.prefix)) });
      else if (request.type === 'relay') process.send?.({ type: 'relayed', ...(await relay(request.ratePerKind, request.seconds, request.payloadBytes)) });
      else if (request.type === 'close') {
        for (const client of clients) client.socket.terminate();
        process.send?.({ type: 'closed' }, () => process.exit(0));
      }
    } catch (error) {
      process.send?.({ type: 'error', message: String(error) });
    }
  })();
});
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), lifetimeMs);
process.send?.({ type: 'ready' });

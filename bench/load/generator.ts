/**
 * Load generator for the PeerServer bench: holds WebSocket clients the way
 * PeerJS does and relays OFFER messages between them. Started (one or more
 * times, to stay under the per-process file-descriptor limit) by
 * bench/sections/peerserver.ts with `fork` (IPC). Loopback only; exits by
 * itself after BENCH_LIFETIME_MS, or when the parent goes.
 *
 * PeerServer's protocol (the `peer` package, 1.0; PeerJS's `socket.ts`): a client
 * opens `ws://host:port/<path>/peerjs?key=K&id=ID&token=T` and is registered when
 * the server sends `{"type":"OPEN"}` (or refused with `{"type":"ERROR","payload":{"msg"}}`);
 * it sends `{"type":"HEARTBEAT"}` every 5 s; `{"type":"OFFER","dst":ID,"payload":…}`
 * is forwarded to ID as `{"type":"OFFER","src":…,"dst":ID,"payload":…}`.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

const lifetimeMs = Number(process.env.BENCH_LIFETIME_MS ?? 180_000);

/** PeerJS's heartbeat interval (`pingInterval`, 5,000 ms). */
const HEARTBEAT_MS = 5000;
/** Heartbeats go out in this many slices per interval, spread evenly. */
const HEARTBEAT_SLICES = 50;
/** Handshakes in flight at once while opening. */
const OPEN_CONCURRENCY = 200;

/** Parent → child requests. */
export type GeneratorRequest =
  | { type: 'open'; port: number; count: number; prefix: string }
  | { type: 'relay'; rate: number; seconds: number; payloadBytes: number }
  | { type: 'close' };

interface Client {
  id: string;
  socket: WebSocket;
}

const clients: Client[] = [];
let port = 0;

function openOne(id: string): Promise<Client | string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/peerjs/peerjs?key=peerjs&id=${id}&token=${randomUUID().slice(0, 12)}`);
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
      if (message.type === 'OPEN') settle({ id, socket });
      else {
        settle(message.payload?.msg ?? message.type);
        socket.close();
      }
    });
    socket.once('error', (error) => settle((error as { code?: string }).code ?? error.message));
    socket.once('close', () => settle('closed'));
  });
}

async function open(count: number, prefix: string): Promise<{ opened: number; failed: Record<string, number>; ms: number }> {
  const started = performance.now();
  const failed: Record<string, number> = {};
  let next = 0;
  let opened = 0;
  const base = clients.length;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const id = `${prefix}-${base + next++}`;
      const result = await openOne(id);
      if (typeof result === 'string') failed[result] = (failed[result] ?? 0) + 1;
      else {
        clients.push(result);
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

/** Relay latencies of the current run, in ms, by message number. */
let latencies: number[] = [];
let received = 0;

function onMessage(data: WebSocket.RawData): void {
  const text = String(data);
  if (!text.startsWith('{"type":"OFFER"')) return;
  const message = JSON.parse(text) as { payload: { t0: number } };
  latencies.push(performance.timeOrigin + performance.now() - message.payload.t0);
  received++;
}

/**
 * Sends OFFERs at `rate` per second for `seconds`, each from one held client to
 * another (half the population apart), and times each from send to receipt.
 * The payload has the shape of PeerJS's offer with an SDP of `payloadBytes`.
 */
async function relay(rate: number, seconds: number, payloadBytes: number): Promise<{ sent: number; received: number; latencies: number[]; actualRate: number }> {
  latencies = [];
  received = 0;
  const n = clients.length;
  if (n < 2) throw new Error('need at least two clients');
  const sdp = 'v=0\r\n'.padEnd(payloadBytes, 'a');
  let sent = 0;
  const started = performance.now();
  const total = Math.round(rate * seconds);
  await new Promise<void>((done) => {
    const tick = setInterval(() => {
      // Catch up to the schedule: as many as should have gone by now.
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due) {
        const from = clients[sent % n]!;
        const to = clients[(sent + Math.floor(n / 2)) % n]!;
        const payload = { t0: performance.timeOrigin + performance.now(), k: sent, sdp: { type: 'offer', sdp }, type: 'data', connectionId: `dc_${sent}`, serialization: 'binary', reliable: true };
        from.socket.send(JSON.stringify({ type: 'OFFER', dst: to.id, payload }));
        sent++;
      }
      if (sent >= total) {
        clearInterval(tick);
        done();
      }
    }, 5);
  });
  const elapsed = (performance.now() - started) / 1000;
  // Stragglers: wait up to 2 s for the last messages.
  const waitUntil = performance.now() + 2000;
  while (received < sent && performance.now() < waitUntil) await new Promise((r) => setTimeout(r, 10));
  return { sent, received, latencies, actualRate: sent / elapsed };
}

process.on('message', (request: GeneratorRequest) => {
  void (async () => {
    try {
      if (request.type === 'open') {
        port = request.port;
        process.send?.({ type: 'opened', ...(await open(request.count, request.prefix)), held: clients.filter((c) => c.socket.readyState === WebSocket.OPEN).length });
      } else if (request.type === 'relay') {
        process.send?.({ type: 'relayed', ...(await relay(request.rate, request.seconds, request.payloadBytes)) });
      } else if (request.type === 'close') {
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

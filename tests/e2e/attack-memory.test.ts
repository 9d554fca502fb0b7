/**
 * Memory a stranger can fill before consent (issue 10, finding 5): signaling
 * messages for unknown connections (PeerJS `_lostMessages`) and never-completed
 * BinaryPack chunks on a pending data connection (PeerJS `_chunkedData`). The
 * offscreen document's JS heap must stay under idle + 32 MiB.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchVictim, rawClient, sleep, startAttackerKit, startStockServer, type AttackerKit } from './attacker';
import type { PopupPage, User } from './harness';
import { offscreenHeapMiB } from './victim-probe';

const BOUND_MIB = 32;

describe('attack: memory before consent', () => {
  let server: Awaited<ReturnType<typeof startStockServer>>;
  let kit: AttackerKit;
  let user: User;
  let popup: PopupPage;
  let victimId: string;

  beforeAll(async () => {
    server = await startStockServer();
    kit = await startAttackerKit();
    ({ user, popup, id: victimId } = await launchVictim('victim', server.port));
    // Extension pages share the offscreen document's heap: measure with none open.
    await popup.page.close();
    await sleep(1000);
  });

  afterAll(async () => {
    await user?.close();
    await kit?.close();
    await server?.close();
  });

  const mib = (m: { used: number; backing: number; total: number }): string => `${m.total.toFixed(1)} MiB (heap ${m.used.toFixed(1)} + array buffers ${m.backing.toFixed(1)})`;

  it('F5a: 50 CANDIDATE messages of 2 MB for unknown connections, through a stock PeerServer', async () => {
    const idle = await offscreenHeapMiB(user);
    const client = await rawClient(server.port, 'candidate-flooder-5');
    for (let i = 0; i < 50; i++) {
      const connectionId = `dc_${randomBytes(6).toString('hex')}`;
      const candidate = `candidate:${randomBytes(1024).toString('hex')}${'x'.repeat(2 * 2 ** 20 - 2048)}`;
      client.send({ type: 'CANDIDATE', dst: victimId, payload: { type: 'data', connectionId, candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } } });
    }
    await sleep(10_000);
    const after = await offscreenHeapMiB(user);
    console.log(`[attack F5a] offscreen memory idle ${mib(idle)}, 10 s after 50 x 2 MB CANDIDATEs ${mib(after)}: +${(after.total - idle.total).toFixed(1)} MiB`);
    client.close();
    expect(after.total - idle.total, 'MiB the offscreen document grew').toBeLessThan(BOUND_MIB);
  });

  it('F5b: 95 MiB of never-completed chunks on a stranger\'s pending data connection', async () => {
    const idle = await offscreenHeapMiB(user);
    const attacker = await kit.page();
    const peer = await attacker.start({ id: 'chunk-flooder-5', port: server.port });
    const conn = await attacker.connect(peer, victimId);
    // The victim never answers the prompt. The attacker sends what it can for 15 s.
    const sent = await attacker.chunkFlood(conn, 95 * 2 ** 20, 15_000);
    await sleep(10_000);
    const after = await offscreenHeapMiB(user);
    console.log(
      `[attack F5b] attacker handed ${(sent / 2 ** 20).toFixed(1)} MiB of chunks to its channel (open: ${(await attacker.state(conn)).open}); ` +
        `offscreen memory idle ${mib(idle)}, 10 s later ${mib(after)}: +${(after.total - idle.total).toFixed(1)} MiB`,
    );
    expect(after.total - idle.total, 'MiB the offscreen document grew').toBeLessThan(BOUND_MIB);
    await attacker.page.close();
  });
});

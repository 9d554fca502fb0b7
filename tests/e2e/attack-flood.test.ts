/**
 * Floods (issue 10, finding 8): many strangers at once, a declined stranger
 * asking again at once, and an accepted peer sending texts as fast as it can.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchVictim, sleep, startAttackerKit, startStockServer, type AttackerKit } from './attacker';
import { liveRtcPeerConnections, notificationIds } from './victim-probe';
import { HOST_PORT_NAME } from '../../lib/protocol/host-port';
import type { PopupPage, User } from './harness';

describe('attack: floods', () => {
  let server: Awaited<ReturnType<typeof startStockServer>>;
  let kit: AttackerKit;
  let user: User;
  let popup: PopupPage;
  let victimId: string;

  beforeAll(async () => {
    server = await startStockServer();
    kit = await startAttackerKit();
    ({ user, popup, id: victimId } = await launchVictim('victim', server.port));
  });

  afterAll(async () => {
    await user?.close();
    await kit?.close();
    await server?.close();
  });

  // One request: `conn-request:<id>` (with Accept/Decline); several: one `conn-requests` summary.
  const requests = async (): Promise<string[]> => (await notificationIds(user)).filter((id) => id.startsWith('conn-request'));

  it('F8a: 15 strangers at once: at most one request notification, at most 8 prompts, no RTCPeerConnection before Accept', async () => {
    const attacker = await kit.page();
    const ids = Array.from({ length: 15 }, (_, i) => `crowd-${i}-x${Math.random().toString(36).slice(2, 6)}`);
    const peers = await Promise.all(ids.map((id) => attacker.start({ id, port: server.port })));
    await Promise.all(peers.map((p) => attacker.connect(p, victimId)));
    // Let every request arrive (or be refused).
    await popup.page.getByTestId('consent-accept').first().waitFor({ timeout: 20_000 });
    await sleep(5000);
    const notes = await requests();
    const prompts = await popup.page.getByTestId('consent-accept').count();
    const pcs = await liveRtcPeerConnections(user);
    console.log(`[attack F8a] 15 strangers: ${notes.length} connection-request notifications, ${prompts} consent prompts, ${pcs} live RTCPeerConnections in the offscreen document`);
    // One, not zero: the user is told that people are asking, once.
    expect(notes.length, 'connection-request notifications').toBe(1);
    expect(prompts, 'consent prompts shown at once').toBeLessThanOrEqual(8);
    expect(pcs, 'live RTCPeerConnections in the offscreen document before any Accept').toBe(0);
    // Clean up: decline whatever is still asking.
    for (const id of ids) {
      const decline = popup.peerItem(id).getByTestId('consent-decline');
      if (await decline.isVisible()) await decline.click();
    }
    await attacker.page.close();
  });

  it('F8b: a declined stranger that asks again at once gets no new prompt for 10 s', async () => {
    const attacker = await kit.page();
    const id = 'pushy-stranger-8';
    const peer = await attacker.start({ id, port: server.port });
    await attacker.connect(peer, victimId);
    await popup.answerRequest(id, 'decline');
    await expect.poll(() => popup.peerItem(id).count()).toBe(0);
    await attacker.connect(peer, victimId);
    const prompt = popup.peerItem(id).getByTestId('consent-accept');
    let askedAgainAfter: number | undefined;
    const start = Date.now();
    while (Date.now() - start < 10_000) {
      if (await prompt.isVisible()) {
        askedAgainAfter = Date.now() - start;
        break;
      }
      await sleep(200);
    }
    console.log(`[attack F8b] declined stranger asked again: prompt shown again ${askedAgainAfter === undefined ? 'never' : `after ${askedAgainAfter} ms`}`);
    expect(askedAgainAfter, 'ms until the declined stranger was shown again').toBeUndefined();
    if (await prompt.isVisible()) await popup.answerRequest(id, 'decline');
    await attacker.page.close();
  });

  it('F8c: an accepted peer sending 30,000 texts: at most 5 notifications, get-state answers within 2 s during the flood, and the flooder is cut off', async () => {
    const attacker = await kit.page();
    const id = 'chatty-peer-8';
    const peer = await attacker.start({ id, port: server.port, hello: { name: 'Chatty', app: 'plain-page' } });
    const conn = await attacker.connect(peer, victimId, { hello: { name: 'Chatty', app: 'plain-page' } });
    await popup.answerRequest(id, 'accept');
    await popup.waitPeer(id, 'connected');
    await expect.poll(async () => (await attacker.state(conn)).open).toBe(true);
    const worker = await user.serviceWorker();
    await worker.evaluate(async () => {
      for (const key of Object.keys(await chrome.notifications.getAll())) await chrome.notifications.clear(key);
    });

    const flood = attacker.textFlood(conn, 30_000);
    const roundTrips: number[] = [];
    const until = Date.now() + 8000;
    while (Date.now() < until) {
      roundTrips.push(
        await popup.page.evaluate(async (name) => {
          // A line of its own to the peer host, as a page opens one (lib/host-line.ts), kept across calls.
          type Line = { port: ReturnType<typeof chrome.runtime.connect>; next: number; waiting: Map<number, (reply: unknown) => void> };
          const w = window as unknown as { floodLine?: Line };
          if (!w.floodLine) {
            const line: Line = { port: chrome.runtime.connect({ name }), next: 0, waiting: new Map() };
            line.port.onMessage.addListener((m: { type: string; id: number; reply: unknown }) => {
              if (m.type === 'line/reply') line.waiting.get(m.id)?.(m.reply);
            });
            line.port.postMessage({ type: 'line/hello', history: false });
            w.floodLine = line;
          }
          const line = w.floodLine;
          const started = performance.now();
          const id = line.next++;
          const reply = (await new Promise<unknown>((resolve) => {
            line.waiting.set(id, resolve);
            line.port.postMessage({ type: 'line/command', id, command: { type: 'session/get-state', messages: false } });
          })) as { ok: boolean };
          if (!reply?.ok) throw new Error(`get-state: ${JSON.stringify(reply)}`);
          return performance.now() - started;
        }, HOST_PORT_NAME),
      );
      await sleep(250);
    }
    await flood;
    await sleep(2000);
    const notes = (await notificationIds(user)).filter((n) => n.startsWith('text:'));
    const received = (await popup.texts('in')).length;
    console.log(
      `[attack F8c] 30,000 texts: ${notes.length} text notifications, ${received} texts in the popup; ` +
        `get-state round trips during the flood (ms): max ${Math.max(...roundTrips).toFixed(0)}, all ${roundTrips.map((ms) => ms.toFixed(0)).join(' ')}`,
    );
    expect(notes.length, 'text notifications after the flood').toBeLessThanOrEqual(5);
    expect(Math.max(...roundTrips), 'slowest get-state round trip during the flood, ms').toBeLessThan(2000);
    // The user sees why the peer went away, and it is not dialled back.
    await popup.waitPeer(id, 'disconnected');
    await expect.poll(() => popup.peerItem(id).textContent()).toContain('far more messages than SecureConnect accepts');
    await sleep(3000);
    expect(await popup.peerItem(id).textContent(), 'still disconnected 3 s later').toContain('far more messages');
    await attacker.page.close();
  });
});

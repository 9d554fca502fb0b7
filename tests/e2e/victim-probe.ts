/**
 * Looking inside the victim for the attack tests: its offscreen document over
 * the DevTools protocol (Playwright does not attach to offscreen documents;
 * the victim runs with `--remote-debugging-port=0`, see `launchVictim`), and
 * its notifications.
 */
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import type { User } from './harness';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A DevTools protocol session with the victim's offscreen document (Playwright does not attach to it). */
export async function offscreenCdp(user: User): Promise<{ call(method: string, params?: object): Promise<Record<string, unknown>>; close(): void }> {
  const profile = (user as unknown as { profileDir: string }).profileDir;
  const port = readFileSync(`${profile}/DevToolsActivePort`, 'utf8').split('\n')[0];
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ url: string; webSocketDebuggerUrl: string }>;
  const target = targets.find((t) => /\/offscreen\.html$/.test(t.url));
  if (!target) throw new Error('no offscreen document');
  const socket = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 256 * 2 ** 20 });
  await new Promise((done, reject) => {
    socket.once('open', done);
    socket.once('error', reject);
  });
  let next = 0;
  const call = (method: string, params?: object): Promise<Record<string, unknown>> =>
    new Promise((done, reject) => {
      const id = ++next;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), 30_000);
      const onMessage = (raw: import('ws').RawData): void => {
        const message = JSON.parse(String(raw)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        if (message.id !== id) return;
        clearTimeout(timer);
        socket.off('message', onMessage);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else done(message.result ?? {});
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method, ...(params ? { params } : {}) }));
    });
  return { call, close: () => socket.close() };
}

/**
 * The offscreen document's memory after two full GCs, in MiB: the used JS heap
 * (`Runtime.getHeapUsage` usedSize) and the ArrayBuffer backing stores it holds
 * (backingStorageSize; binary chunks live there, outside the heap proper).
 */
export async function offscreenHeapMiB(user: User): Promise<{ used: number; backing: number; total: number }> {
  const cdp = await offscreenCdp(user);
  try {
    await cdp.call('HeapProfiler.collectGarbage');
    await sleep(500);
    await cdp.call('HeapProfiler.collectGarbage');
    const usage = await cdp.call('Runtime.getHeapUsage');
    const used = (usage.usedSize as number) / 2 ** 20;
    const backing = ((usage.backingStorageSize as number | undefined) ?? 0) / 2 ** 20;
    return { used, backing, total: used + backing };
  } finally {
    cdp.close();
  }
}

/** How many `RTCPeerConnection`s live in the victim's offscreen document and are not closed. */
export async function liveRtcPeerConnections(user: User): Promise<number> {
  const cdp = await offscreenCdp(user);
  try {
    await cdp.call('HeapProfiler.collectGarbage');
    const proto = (await cdp.call('Runtime.evaluate', { expression: 'RTCPeerConnection.prototype' })).result as { objectId: string };
    const found = (await cdp.call('Runtime.queryObjects', { prototypeObjectId: proto.objectId })).objects as { objectId: string };
    const count = (await cdp.call('Runtime.callFunctionOn', {
      objectId: found.objectId,
      functionDeclaration: 'function () { return this.filter((pc) => pc.signalingState !== "closed").length; }',
      returnByValue: true,
    })).result as { value: number };
    return count.value;
  } finally {
    cdp.close();
  }
}

/** IDs of the victim's notifications now. */
export async function notificationIds(user: User): Promise<string[]> {
  const worker = await user.serviceWorker();
  return worker.evaluate(async () => Object.keys(await chrome.notifications.getAll()));
}


/**
 * Issue 15, end to end: two users in Chromium, each registered on another instance of
 * a PeerServer cluster (two `server/cli.ts --redis` processes sharing a real
 * `redis-server`), each with the other instance as the fallback in its settings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnInstance, type Instance } from '../unit/support/cluster';
import { startRedis, type RedisProcess } from '../unit/support/redis';
import { User, type PopupPage } from './harness';

let redis: RedisProcess | undefined;
const instances: Instance[] = [];
const users: User[] = [];

afterEach(async () => {
  await Promise.all(users.splice(0).map((user) => user.close()));
  await Promise.all(instances.splice(0).map((instance) => instance.kill()));
  await redis?.kill();
  redis = undefined;
});

const address = (instance: Instance): string => `ws://127.0.0.1:${instance.port}/peerjs`;

/** The popup's server line says online at `instance` (its address is part of the sentence). */
function onlineAt(popup: PopupPage, instance: Instance) {
  return popup.page.locator('[data-testid="server-status"][data-status="online"]').filter({ hasText: `127.0.0.1:${instance.port}/peerjs` });
}

describe('a PeerServer cluster', () => {
  it('connects users registered on two instances, and moves a user whose instance dies to the other one within 5 s, connection kept', async () => {
    redis = await startRedis();
    const [one, two] = await Promise.all([spawnInstance(['--redis', redis.url]), spawnInstance(['--redis', redis.url])]);
    instances.push(one, two);
    const [alice, bob] = await Promise.all([User.launch('alice'), User.launch('bob')]);
    users.push(alice, bob);
    await Promise.all([alice.useServer(one.port, '127.0.0.1', [address(two)]), bob.useServer(two.port, '127.0.0.1', [address(one)])]);
    const [alicePopup, bobPopup] = await Promise.all([alice.openPopup(), bob.openPopup()]);
    const [aliceId, bobId] = await Promise.all([alicePopup.waitOnline(), bobPopup.waitOnline()]);
    await onlineAt(alicePopup, one).waitFor({ timeout: 1000 });
    await onlineAt(bobPopup, two).waitFor({ timeout: 1000 });

    // The offer, the answer and the candidates cross from one instance to the other through Redis.
    await alicePopup.connect(bobId);
    await bobPopup.answerRequest(aliceId);
    await alicePopup.waitPeer(bobId, 'connected');
    await alicePopup.send('across two instances');
    await expect.poll(() => bobPopup.texts('in'), { timeout: 10_000 }).toEqual(['across two instances']);

    await one.kill('SIGKILL');
    const killedAt = Date.now();
    // The connection does not need the server: a text sent at once arrives, and nobody sees a drop.
    await alicePopup.send('while my server is gone');
    await expect.poll(() => bobPopup.texts('in'), { timeout: 5000 }).toEqual(['across two instances', 'while my server is gone']);
    await onlineAt(alicePopup, two).waitFor({ timeout: Math.max(0, killedAt + 5000 - Date.now()) });
    await expect(alicePopup.peerItem(bobId).getAttribute('data-state')).resolves.toBe('connected');
    await expect(alicePopup.peerItem(bobId).getAttribute('data-drop-at')).resolves.toBeNull();
    await expect(bobPopup.peerItem(aliceId).getAttribute('data-drop-at')).resolves.toBeNull();
    await bobPopup.send('still here');
    await expect.poll(() => alicePopup.texts('in'), { timeout: 5000 }).toEqual(['still here']);

    // Signaling works at the new instance: B hangs up, and A dials B again through it.
    await bobPopup.peerItem(aliceId).getByTestId('disconnect-peer').click();
    await alicePopup.waitPeer(bobId, 'disconnected');
    await alicePopup.connect(bobId);
    await bobPopup.answerRequest(aliceId);
    await alicePopup.waitPeer(bobId, 'connected');
    await alicePopup.send('through the second instance');
    await expect.poll(() => bobPopup.texts('in'), { timeout: 10_000 }).toContain('through the second instance');
    await expect(onlineAt(alicePopup, two).count()).resolves.toBe(1);
  });

  it('refuses a fallback that is not a PeerServer address, saving nothing, and keeps a good one', async () => {
    const user = await User.launch('carol');
    users.push(user);
    const page = await user.openExtensionPage('options.html');
    await page.getByTestId('add-fallback').click();
    await page.getByTestId('fallback-url').fill('signal.example.org:9000');
    await page.getByTestId('save-options').click();
    await page.getByTestId('options-not-saved').waitFor();
    await expect(page.getByTestId('fallback-row').getByTestId('problem').textContent()).resolves.toContain('Not a PeerServer address');
    await page.reload();
    await expect(page.getByTestId('fallback-row').count()).resolves.toBe(0);

    await page.getByTestId('add-fallback').click();
    await page.getByTestId('fallback-url').fill('wss://signal.example.org/peerjs');
    await page.getByTestId('save-options').click();
    await page.getByTestId('options-saved').waitFor();
    await page.reload();
    await expect(page.getByTestId('fallback-url').inputValue()).resolves.toBe('wss://signal.example.org:443/peerjs');
  });
});

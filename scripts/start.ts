/**
 * `npm start`: builds the extension, starts the local PeerServer on
 * 127.0.0.1:9000 and, where a display exists, opens two Chromium windows with
 * separate profiles ("Alice" and "Bob") and the extension loaded, so one
 * person can try both ends. Ctrl+C stops everything.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_SERVER_OPTIONS, startSignalingServer } from '../server/signaling';

const EXTENSION_DIR = resolve('.output/chrome-mv3');
const CHROMIUM = '/usr/bin/chromium';

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, ['scripts/ensure-system.mjs', 'start']);
run(process.execPath, ['node_modules/wxt/bin/wxt.mjs', 'build']);

const { host, port, path, key } = DEFAULT_SERVER_OPTIONS;
let server: Awaited<ReturnType<typeof startSignalingServer>> | undefined;
try {
  server = await startSignalingServer({ host, port, path, key });
  console.log(`\nPeerServer listening on ws://${host}:${port}${path} (health: ${server.url}/health).`);
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
  console.log(`\nPort ${port} is in use; assuming a PeerServer already runs there (check http://${host}:${port}/health).`);
}

const browsers: ChildProcess[] = [];
if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) {
  for (const name of ['alice', 'bob']) {
    const profile = resolve('.profiles', name);
    mkdirSync(profile, { recursive: true });
    const child = spawn(
      CHROMIUM,
      [
        `--user-data-dir=${profile}`,
        `--disable-extensions-except=${EXTENSION_DIR}`,
        `--load-extension=${EXTENSION_DIR}`,
        '--no-first-run',
        // Chromium refuses to run as root with its sandbox on (containers, CI machines).
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        '--new-window',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.once('exit', (code) => {
      if (code) console.error(`Chromium (${name}) exited with code ${code}:\n${stderr}`);
    });
    browsers.push(child);
  }
  console.log('Opened two Chromium windows (profiles in .profiles/alice and .profiles/bob) with SecureConnect loaded.');
  console.log("Click the SecureConnect toolbar icon in one, copy its peer ID, and connect to it from the other.");
} else {
  console.log(`No display found. The built extension is in:\n  ${EXTENSION_DIR}`);
  console.log('Load it in Chromium or Chrome: open chrome://extensions, turn on "Developer mode",');
  console.log('click "Load unpacked" and choose that folder. Do this in two browser profiles to try both ends.');
}
console.log('\nPress Ctrl+C to stop.');

const stop = (): void => {
  for (const child of browsers) child.kill();
  void (server?.close() ?? Promise.resolve()).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
if (!server && browsers.length === 0) process.exit(0);

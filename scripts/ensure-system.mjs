#!/usr/bin/env node
// Makes sure the Debian packages that `npm test` / `npm start` need are present.
// As root it installs what is missing with apt-get; otherwise it names the command to run.
// Usage: node scripts/ensure-system.mjs test|start
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What each purpose needs: a file that proves the package is there, and the package. */
const NEEDS = {
  start: [{ file: '/usr/bin/chromium', pkg: 'chromium' }],
  test: [
    { file: '/usr/bin/chromium', pkg: 'chromium' },
    // Headed Chromium for the real context-menu test, and keys for its native menu.
    { file: '/usr/bin/Xvfb', pkg: 'xvfb' },
    { file: '/usr/bin/xdotool', pkg: 'xdotool' },
    // A real TURN server for the relay, credential and failover tests.
    { file: '/usr/bin/turnserver', pkg: 'coturn' },
    // A real Redis for the PeerServer cluster tests; they start their own on loopback.
    { file: '/usr/bin/redis-server', pkg: 'redis-server' },
    // Chromium's Persian and Russian UI, for the tests that run the pages in those languages.
    { file: '/usr/lib/chromium/locales/fa.pak', pkg: 'chromium-l10n' },
  ],
};

const purpose = process.argv[2] ?? 'test';
const needs = NEEDS[purpose];
if (!needs) {
  console.error(`ensure-system: unknown purpose "${purpose}" (use test or start)`);
  process.exit(2);
}
const missing = [...new Set(needs.filter((need) => !existsSync(need.file)).map((need) => need.pkg))];
if (missing.length === 0) process.exit(0);

const command = `apt-get update && apt-get install -y ${missing.join(' ')}`;
if (process.platform !== 'linux' || !existsSync('/usr/bin/apt-get')) {
  console.error(`Missing: ${missing.join(', ')}. Install Debian's packages (${command}) or their equivalents for your system.`);
  process.exit(1);
}
if (process.getuid?.() !== 0) {
  console.error(`Missing Debian packages: ${missing.join(', ')}.\nInstall them with:\n  sudo sh -c '${command}'`);
  process.exit(1);
}
console.log(`Installing missing Debian packages: ${missing.join(', ')} (about a minute)…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) => {
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) {
    console.error(`apt-get ${args.join(' ')} failed (exit ${result.status}). Run it by hand: ${command}`);
    process.exit(1);
  }
};
run(['update', '-qq']);
run(['install', '-y', '-qq', ...missing]);
const still = needs.filter((need) => !existsSync(need.file));
if (still.length > 0) {
  console.error(`Still missing after apt-get: ${still.map((need) => need.file).join(', ')}`);
  process.exit(1);
}
console.log(execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim().split('\n').pop());

/**
 * When an end-to-end test fails, prints what the extension logged in each browser still
 * running, and after every test with `SC_E2E_LOGS=1`: a failure in CI is then more than a
 * timeout (connection-setup races showed themselves only there).
 */
import { afterEach } from 'vitest';
import { User } from './harness';

afterEach((context) => {
  // SC_E2E_LOGS=1 prints them after every test.
  if (context.task.result?.state !== 'fail' && !process.env.SC_E2E_LOGS) return;
  for (const user of User.live) {
    const lines = user.logLines();
    console.log(`--- ${user.name}'s extension log (last ${lines.length} lines) ---\n${lines.join('\n')}`);
  }
});

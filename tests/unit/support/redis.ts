/**
 * A real `redis-server` (Debian's package) for tests: started on 127.0.0.1 on a
 * free port with no persistence, stopped by its PID. `restart` brings it back on
 * the same port, empty, as after a crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A redis-server child process. */
export interface RedisProcess {
  port: number;
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** Kills it with SIGKILL and waits for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is saved). */
  restart(): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${output}`));
    });
  });
}

/**
 * Starts `redis-server --port P --save '' --appendonly no` on 127.0.0.1.
 * @throws when it is not ready within 10 s (is Debian's `redis-server` installed?).
 */
export async function startRedis(): Promise<RedisProcess> {
  const port = await freePort();
  let child = await launch(port);
  const stop = (): Promise<void> =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      process.kill(child.pid!, 'SIGKILL');
    });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: stop,
    restart: async () => {
      await stop();
      child = await launch(port);
    },
  };
}

/**
 * PeerServer instances that share a Redis, for tests: `server/cli.ts --port 0`
 * in child processes, and a TCP proxy that can go silent, so that a client's
 * connection dies without the server seeing a close (an unclean drop). Loopback only.
 */
import { spawn } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { sleep } from './peer-server';

/** One `server/cli.ts` child process. */
export interface Instance {
  port: number;
  /** `ws://127.0.0.1:<port>/peerjs/peerjs` (append the query). */
  wsBase: string;
  httpBase: string;
  output(): string;
  /** Resolves once a line of output matches `pattern`, or rejects after `ms`. */
  waitForOutput(pattern: RegExp, ms?: number): Promise<void>;
  /** Sends `signal` (SIGKILL by default) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `node --import tsx server/cli.ts --port 0 ...args` with `env` added.
 * @throws when it does not listen within 15 s or exits first.
 */
export async function spawnInstance(args: string[], env: Record<string, string> = {}): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('server/cli.ts'), '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const listener of [...listeners]) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const waitForOutput = (pattern: RegExp, ms = 10_000): Promise<void> =>
    new Promise((done, fail) => {
      const check = (): void => {
        if (!pattern.test(output)) return;
        listeners.delete(check);
        clearTimeout(timer);
        done();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        fail(new Error(`no output matching ${pattern} within ${ms} ms:\n${output}`));
      }, ms);
      listeners.add(check);
      check();
    });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  await Promise.race([
    waitForOutput(/listening on ws:\/\/[^:]+:\d+\//, 15_000),
    exited.then(() => {
      throw new Error(`PeerServer exited:\n${output}`);
    }),
  ]);
  const port = Number(/listening on ws:\/\/[^:]+:(\d+)\//.exec(output)![1]);
  return {
    port,
    wsBase: `ws://127.0.0.1:${port}/peerjs/peerjs`,
    httpBase: `http://127.0.0.1:${port}`,
    output: () => output,
    waitForOutput,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        await exited;
      }
    },
  };
}

/** A TCP proxy to a local port whose connections can all go silent at once. */
export interface SilentProxy {
  port: number;
  /** Stops forwarding in both directions without closing anything: the server sees no close. */
  silence(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 to `127.0.0.1:targetPort`. */
export function startSilentProxy(targetPort: number): Promise<SilentProxy> {
  const pairs: Array<[Socket, Socket]> = [];
  let silent = false;
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    pairs.push([client, upstream]);
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('data', (data) => {
      if (!silent) upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (!silent) client.write(data);
    });
    // Once silent, closes are not passed on either: the far side must not learn of them.
    client.on('close', () => {
      if (!silent) upstream.destroy();
    });
    upstream.on('close', () => {
      if (!silent) client.destroy();
    });
  });
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      done({
        port: typeof address === 'object' && address ? address.port : 0,
        silence: () => {
          silent = true;
        },
        close: () =>
          new Promise((closed) => {
            for (const [a, b] of pairs) {
              a.destroy();
              b.destroy();
            }
            server.close(() => closed());
          }),
      });
    });
  });
}

/** Polls `probe` every 50 ms until it resolves true; resolves with the time it took in ms, or rejects after `ms`. */
export async function within(ms: number, probe: () => Promise<boolean>, what: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

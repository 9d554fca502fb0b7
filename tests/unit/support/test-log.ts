/**
 * The log the session tests give `PeerSession`: silent, except that a phase change the
 * connection rules do not have (lib/session/remote-peer.ts) fails the test that made it.
 */
export const testLog = {
  info: (): void => {},
  warn: (...args: unknown[]): void => {
    const line = args.map(String).join(' ');
    if (line.includes('unexpected phase')) throw new Error(line);
  },
  error: (): void => {},
};

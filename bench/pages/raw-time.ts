/** Clocks and waits shared by the raw baselines (raw.ts, raw-rtc.ts). */

/** Wall-clock time in ms since the Unix epoch, with sub-ms resolution. */
export const wall = (): number => performance.timeOrigin + performance.now();

export function once<T>(register: (resolve: (value: T) => void) => void, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), timeoutMs);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

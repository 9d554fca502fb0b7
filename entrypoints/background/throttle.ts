/**
 * Runs a task at most once per interval: at once when the last run is older than
 * the interval, else once at the end of it (trailing), however often it is asked
 * for meanwhile. Runs never overlap: each starts after the previous one settled.
 */
export class Throttle {
  private lastRun = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> = Promise.resolve();

  /**
   * @param task what to run; it reads the newest state itself when it runs.
   * @param intervalMs shortest time between two starts, in ms.
   */
  constructor(
    private readonly task: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** Asks for a run: now, or at the end of the current interval. */
  request(): void {
    if (this.timer !== undefined) return;
    const wait = this.lastRun + this.intervalMs - Date.now();
    if (wait <= 0) {
      this.run();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, wait);
  }

  /** Drops a pending trailing run. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Settles once the runs started so far have (for tests and orderly shutdown). */
  idle(): Promise<void> {
    return this.running;
  }

  private run(): void {
    this.lastRun = Date.now();
    this.running = this.running
      .then(this.task)
      .catch((error: unknown) => console.error('[secureconnect] notification update failed', error));
  }
}

/**
 * What instances send each other on their channels, and a log throttle for
 * lines that could repeat once per message while Redis is away.
 */

/** On an instance channel: a message to relay to a local peer, or a kick of a stale connection. */
export type ChannelMessage =
  | { kind: 'relay'; type: string; src: string; dst: string; text: string }
  | { kind: 'kick'; id: string; tokenHash: string };

/** The text of a relayed message: exactly what `peer` sends its clients, so no client can tell which instance relayed it. */
export function relayText(type: string, src: string, dst: string, payload: unknown): string {
  return JSON.stringify({ type, src, dst, payload });
}

/** "The client with this token hash registered again elsewhere: drop its connection here." */
export function kickText(id: string, tokenHash: string): string {
  return JSON.stringify({ kick: id, hash: tokenHash });
}

/** Parses a channel message; `undefined` for anything else (nothing on a channel is trusted blindly). */
export function parseChannelMessage(text: string): ChannelMessage | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof fields !== 'object' || fields === null) return undefined;
  const { kick, hash, type, src, dst } = fields as Record<string, unknown>;
  if (typeof kick === 'string' && typeof hash === 'string') return { kind: 'kick', id: kick, tokenHash: hash };
  if (typeof type === 'string' && typeof src === 'string' && typeof dst === 'string') return { kind: 'relay', type, src, dst, text };
  return undefined;
}

/** Writes at most one line per `intervalMs`, counting the ones left out. */
export class ThrottledLog {
  private lastAt = Number.NEGATIVE_INFINITY;
  private unlogged = 0;

  constructor(
    private readonly log: (line: string) => void,
    private readonly intervalMs = 1000,
  ) {}

  /** Logs `line` now, or counts it if a line went out less than `intervalMs` ago. */
  write(line: string, now = Date.now()): void {
    if (now - this.lastAt < this.intervalMs) {
      this.unlogged++;
      return;
    }
    const more = this.unlogged > 0 ? ` (and ${this.unlogged} more)` : '';
    this.log(`${line}${more}`);
    this.lastAt = now;
    this.unlogged = 0;
  }
}

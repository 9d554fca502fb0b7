/**
 * The connection rules in code (lib/session/remote-peer.ts) and in docs/architecture.md
 * ("Connection state machine") say the same. The session tests run with a log that fails
 * on any phase change outside these rules (support/test-log.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canMove, keepsMessages, PHASE_TRANSITIONS, PHASES, viewStateOf, type Phase } from '@/lib/session/remote-peer';

/** The documented table: phase -> [shown as, next phases]. */
function documentedTable(): Map<string, { shown: string; next: string[] }> {
  const doc = readFileSync('docs/architecture.md', 'utf8');
  const section = doc.slice(doc.indexOf('## Connection state machine'));
  const rows = new Map<string, { shown: string; next: string[] }>();
  for (const line of section.slice(0, section.indexOf('\n## ', 5)).split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const phase = /^`([a-z-]+)`$/.exec(cells[1] ?? '')?.[1];
    if (!phase) continue;
    rows.set(phase, { shown: cells[2]!, next: [...cells[3]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!) });
  }
  return rows;
}

describe('connection state machine', () => {
  it('docs/architecture.md has a row for every phase, with the same next phases and display state', () => {
    const table = documentedTable();
    expect([...table.keys()].sort()).toEqual([...PHASES].sort());
    for (const phase of PHASES) {
      expect(table.get(phase)!.next.sort(), phase).toEqual([...PHASE_TRANSITIONS[phase]].sort());
      expect(table.get(phase)!.shown, phase).toBe(viewStateOf(phase));
    }
  });

  it('every phase can end, and every phase can be reached from a fresh peer', () => {
    for (const phase of PHASES) expect(canMove(phase, 'disconnected'), phase).toBe(true);
    const reached = new Set<Phase>(['opening', 'offer-held']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const from of [...reached]) for (const to of PHASE_TRANSITIONS[from]) if (!reached.has(to)) grew = !!reached.add(to);
    }
    expect([...reached].sort()).toEqual([...PHASES].sort());
  });

  it('no shortcut around the identity check: only `checking` leads out of `opening` towards connected', () => {
    expect(canMove('opening', 'connected')).toBe(false);
    expect(canMove('opening', 'awaiting-hello')).toBe(false);
    expect(canMove('offer-held', 'connected')).toBe(false);
    expect(canMove('disconnected', 'connected')).toBe(false);
  });

  it('keeps the peer\'s messages exactly while nothing is decided about it', () => {
    expect(PHASES.filter(keepsMessages)).toEqual(['opening', 'checking', 'asking']);
  });
});

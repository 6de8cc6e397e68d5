/**
 * The simulated account's clock. Nothing in the simulation reads the wall clock: instance boot
 * and shutdown, and every timestamp it hands out, follow this clock, which only moves when a
 * caller advances it (the local Step Functions does so for each Wait state).
 */
export class SimClock {
  private ms: number;
  private readonly listeners: Array<(now: Date) => void> = [];

  constructor(start: Date = new Date('2026-01-01T00:00:00Z')) {
    if (Number.isNaN(start.getTime())) throw new Error('SimClock needs a valid start date');
    this.ms = start.getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`the simulated clock only moves forward (asked to move ${ms} ms)`);
    this.ms += ms;
    const now = this.now();
    for (const listener of this.listeners) listener(now);
  }

  /** Called after every advance, e.g. so instances finish booting when their time has come. */
  onAdvance(listener: (now: Date) => void): void {
    this.listeners.push(listener);
  }
}

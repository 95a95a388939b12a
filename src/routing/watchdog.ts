/**
 * One timer per attempt for the router's clocks (first byte, idle, total, finish grace).
 * Instead of a setTimeout per chunk, each read names the time it is due by; the single
 * timer is re-armed lazily: when it fires early (a later read moved the deadline on), it
 * re-arms for the remainder. Time comes from the injected Clock.
 */
import type { Clock } from "../lib/clock";

export const TIMED_OUT = Symbol("timed out");

export function isTimedOut(v: unknown): v is typeof TIMED_OUT {
  return v === TIMED_OUT;
}

export class Watchdog {
  private cancelTimer: (() => void) | undefined;
  /** When the armed timer fires (epoch ms). */
  private armedAt = Number.POSITIVE_INFINITY;
  /** The pending read: its deadline and what to do when it is missed. */
  private watched: { due: number; expire(): void } | undefined;

  constructor(readonly clock: Clock) {}

  /** Resolves like `p`, or to TIMED_OUT once the clock reaches `due` first. */
  race<T>(p: Promise<T>, due: number): Promise<T | typeof TIMED_OUT> {
    return new Promise<T | typeof TIMED_OUT>((resolve, reject) => {
      const watched = { due, expire: () => resolve(TIMED_OUT) };
      this.watched = watched;
      // A deadline earlier than the armed timer (the first read, a finish grace) needs it sooner.
      if (!this.cancelTimer || due < this.armedAt) this.arm(due);
      const done = () => {
        if (this.watched === watched) this.watched = undefined;
      };
      p.then(
        (v) => {
          done();
          resolve(v);
        },
        (e: unknown) => {
          done();
          reject(e);
        },
      );
    });
  }

  /** The attempt is over: no timer outlives it. */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    this.watched = undefined;
  }

  private arm(at: number): void {
    this.cancelTimer?.();
    this.armedAt = at;
    this.cancelTimer = this.clock.setTimer(() => this.fired(), at - this.clock.now());
  }

  private fired(): void {
    this.cancelTimer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    const w = this.watched;
    // Nothing pending (the consumer is busy): stay unarmed until the next read.
    if (!w) return;
    if (this.clock.now() >= w.due) {
      this.watched = undefined;
      w.expire();
    } else {
      this.arm(w.due);
    }
  }
}

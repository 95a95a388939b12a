/**
 * A Clock for unit tests: time moves only when the test says so, or — in `runOn` — when
 * nothing but a timer can move the code under test on. No real timers, no sleeps.
 */
import type { Clock } from "../../src/lib/clock";

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];
  /** Every setTimer call, for assertions on how many timers the code used. */
  armed = 0;

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    this.armed++;
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time to the earliest timer and fires it; false when there is none. */
  fireNext(): boolean {
    const next = [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
    if (!next) return false;
    this.timers = this.timers.filter((x) => x !== next);
    this.t = Math.max(this.t, next.at);
    next.fn();
    return true;
  }

  /** Resolves when the fake clock has moved on by `ms`. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(resolve, ms));
  }
}

/** Lets every queued promise reaction run (microtasks only). */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/**
 * Runs `p` to its end, firing the clock's timers one by one whenever the code under test
 * is waiting on nothing else. Fails (rather than hanging) when nothing could ever end it.
 */
export async function runOn<T>(clock: FakeClock, p: Promise<T>): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  while (true) {
    await settle();
    if (done) return p;
    if (!clock.fireNext()) throw new Error("stuck: the run waits on something no timer will ever end");
  }
}

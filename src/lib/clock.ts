/**
 * Time as a parameter (STYLE.md § Habits): logic takes a Clock instead of calling
 * `Date.now()` / `setTimeout` itself, so unit tests drive it with a fake clock and never
 * sleep. Leaf module: imports nothing of ours.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs `fn` after `ms` (clamped at 0); returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(t);
  },
};

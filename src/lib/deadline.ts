/**
 * One timeout helper for promises that take no abort signal (Durable Object RPC, a probe
 * that may ignore its signal). Leaf module: imports nothing outside src/lib/.
 */
import { systemClock, type Clock } from "./clock";
import { RouterError } from "./errors";

export class DeadlineError extends RouterError {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "DeadlineError";
  }
}

/** Resolves like `p`, or rejects with DeadlineError after `ms` (p keeps running). */
export function withDeadline<T>(p: Promise<T>, ms: number, clock: Pick<Clock, "setTimer"> = systemClock): Promise<T> {
  let cancel: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    cancel = clock.setTimer(() => reject(new DeadlineError(ms)), ms);
  });
  return Promise.race([p, deadline]).finally(() => cancel?.());
}

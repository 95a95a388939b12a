/** Durable Object set-up. Leaf module: imports nothing of ours but the log. */
import { errorText, log } from "./log";

/**
 * Runs a Durable Object's synchronous set-up (schema, load) inside its input gate. A
 * failure is logged, not thrown, so the gate never wedges; the object's next call retries.
 */
export function initInsideGate(ctx: DurableObjectState, init: () => void, event: string, fields: Record<string, unknown> = {}): void {
  void ctx.blockConcurrencyWhile(async () => {
    try {
      init();
    } catch (err) {
      log("error", event, { ...fields, error: errorText(err) });
    }
  });
}

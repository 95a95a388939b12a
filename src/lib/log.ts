/**
 * Structured log lines (one JSON object per line, picked up by Workers Logs / tail).
 * Callers pass facts, never secrets: upstream keys are not in scope where logging happens.
 * Leaf module: imports nothing of ours.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export function log(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, event, ...fields, ts: new Date().toISOString() });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** An error as one log-safe line. */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Captures the Worker's structured log lines (one JSON object per console line) during `fn`. */
import { vi } from "vitest";

export type LogLine = Record<string, unknown> & { event?: string };

export async function captureLogs(fn: () => Promise<void>): Promise<LogLine[]> {
  const lines: string[] = [];
  const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
  const spies = [vi.spyOn(console, "log").mockImplementation(capture), vi.spyOn(console, "warn").mockImplementation(capture), vi.spyOn(console, "error").mockImplementation(capture)];
  try {
    await fn();
  } finally {
    for (const s of spies) s.mockRestore();
  }
  return lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as LogLine];
    } catch {
      return [];
    }
  });
}

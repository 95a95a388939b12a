/**
 * The fuzz suite's shared pieces (issue 11): run counts, the seed, and the properties every
 * answer must have. `npm test` runs a few thousand cases in all; `npm run fuzz` sets
 * FUZZ_RUNS=100000 (the total, shared out by each file's `share`). Seeded, so a failure
 * replays: fast-check prints the seed and path to pass back in as FUZZ_SEED / FUZZ_PATH.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { ErrorBody } from "../../src/openai/errors";
import { call, postWith } from "../helpers/http";

const vars = env as unknown as Record<string, string | undefined>;
const TOTAL = Number(vars.FUZZ_RUNS || 2_400);
const SEED = Number(vars.FUZZ_SEED || 20_261_125);

/** This category's number of cases: its share of the total. */
function runs(share: number): number {
  return Math.max(1, Math.round(TOTAL * share));
}

/** Options for fc.assert: seeded, bounded, and stopping at the first failure (a replayable report). */
export function options(share: number) {
  return { seed: SEED, numRuns: runs(share), endOnFailure: true, ...(vars.FUZZ_PATH ? { path: vars.FUZZ_PATH } : {}) };
}

/** A test timeout that grows with the cases: no request may hang, but 100,000 take a while. */
export function timeoutFor(share: number): number {
  return Math.max(60_000, runs(share) * 60);
}

/** The statuses the design documents for upstream trouble; 500 would be our bug. */
const DOCUMENTED_5XX = new Set([502, 503, 504]);

/**
 * Whatever the input, the answer is a documented status, every error is the OpenAI
 * envelope, and a body (stream or not) ends. Returns the parsed error, if any.
 */
export async function expectWellFormed(res: Response, label: string): Promise<ErrorBody | undefined> {
  if (res.status >= 500)
    expect(
      DOCUMENTED_5XX,
      `${label}: status ${res.status} ${await res
        .clone()
        .text()
        .catch(() => "")}`.slice(0, 2000),
    ).toContain(res.status);
  const text = await res.text();
  if (res.status < 400) return undefined;
  expect(res.headers.get("content-type"), label).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: ErrorBody };
  const keys = Object.keys(body.error)
    .filter((k) => k !== "attempts")
    .sort();
  expect(keys, label).toEqual(["code", "message", "param", "type"]);
  expect(typeof body.error.message, label).toBe("string");
  return body.error;
}

/** The Worker is still healthy: a plain request to a healthy fake answers 200 and no breaker is open. */
export async function expectHealthy(model = "groq/ok@fuzz-health"): Promise<void> {
  // Health, not speed: a generous first-byte budget so a busy machine is not mistaken for a broken Worker.
  const res = await postWith({ FIRST_BYTE_TIMEOUT_MS: "15000", STREAM_IDLE_TIMEOUT_MS: "15000" }, "/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }] });
  expect(res.status, await res.clone().text()).toBe(200);
  const health = await (await call("/v1/health")).json<{ providers: Record<string, { state: string }> }>();
  for (const [name, p] of Object.entries(health.providers)) expect(p.state, name).not.toBe("open");
}

/** A short label for a failing input. */
export function show(value: unknown): string {
  let s: string;
  try {
    s = typeof value === "string" ? value : JSON.stringify(value);
  } catch {
    s = String(value);
  }
  return s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s;
}

/** Every path into a JSON value (iteratively: fuzz inputs may be deep). */
export function pathsOf(value: unknown): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: [unknown, (string | number)[]][] = [[value, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (path.length > 0) out.push(path);
    if (v && typeof v === "object") for (const [k, child] of Object.entries(v)) stack.push([child, [...path, Array.isArray(v) ? Number(k) : k]]);
  }
  return out;
}

/**
 * A copy of `value` with the thing at one of its paths replaced: `choose` picks it from every
 * path into the copy (pathsOf), so callers decide how (and whether to add a new key).
 */
export function replacedAt<T extends Record<string, unknown>>(value: T, choose: (paths: (string | number)[][]) => (string | number)[], replacement: unknown): T {
  const copy = structuredClone(value);
  const path = choose(pathsOf(copy));
  let at = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path.at(-1)!] = replacement;
  return copy;
}

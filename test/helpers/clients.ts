/**
 * Real client libraries pointed at the Worker: each accepts a custom `fetch`, which goes
 * straight into the Worker's fetch handler (bindings replaced as in callWith), so no
 * server or port is involved and the fakes behind the Worker stay the loopback ones.
 */
import { expect, inject } from "vitest";
import { callWith, chainYaml, KEY, ownProviders } from "./http";

export const ROUTER_BASE = "http://router.test/v1";

/** A `fetch` into the Worker; every URL the client asks for is counted in `calls`. */
export function workerFetch(overrides: Record<string, string>, calls: string[] = []): typeof fetch {
  return ((url: RequestInfo | URL, init?: RequestInit) => {
    const u = new URL(url instanceof Request ? url.url : String(url));
    calls.push(`${init?.method ?? "GET"} ${u.pathname}`);
    const headers = new Headers(init?.headers);
    // Each client sends the key it was given; the Worker checks it as usual.
    return callWith(overrides, u.pathname + u.search, { ...init, headers, key: null });
  }) as typeof fetch;
}

/**
 * The bindings of one test: aliases over this test's own providers (fresh breakers: the
 * OpenAI-compatible ones of ownProviders, `dead-<t>` on a closed port, and `gem-<t>` on the
 * fake Gemini) — `mana/t` (the default) plus any extra aliases given as name → chain.
 */
export function clientVars(t: string, chain: string[], extra: Record<string, string[]> = {}): Record<string, string> {
  const more = Object.entries(extra).map(([name, c]) => `  ${name}:\n    description: test alias\n    chain: [${c.map((e) => JSON.stringify(e)).join(", ")}]\n`);
  const gemini = `  gem-${t}: {kind: gemini, base_url: "${inject("geminiFakeUrl")}/v1beta", api_key_env: GOOGLE_API_KEY}\n`;
  const yaml = chainYaml(chain, `providers:\n${ownProviders(t)}${gemini}`).replace("default: mana/t\n", `${more.join("")}default: mana/t\n`);
  return { ALIASES_YAML: yaml };
}

/** The Gemini model the fake validates thought signatures for (a name the router knows validates). */
export const VALIDATING_GEMINI = "gemini-3-flash-preview:tools";

/** The thoughtSignature each functionCall part of a logged Gemini request carried back. */
export function replayedSignatures(body: unknown): Array<string | undefined> {
  const contents = (body as { contents?: Array<{ parts?: Array<{ functionCall?: unknown; thoughtSignature?: string }> }> }).contents ?? [];
  return contents.flatMap((c) => (c.parts ?? []).filter((p) => p.functionCall).map((p) => p.thoughtSignature));
}

export { KEY };

/** Two vectors equal up to float32 precision (a base64 answer is float32). */
export function expectSameVector(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  for (const [k, x] of actual.entries()) expect(x).toBeCloseTo(expected[k]!, 5);
}

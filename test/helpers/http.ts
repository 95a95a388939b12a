/** Helpers for integration tests: requests through the Worker, and reading fake logs. */
import { exports } from "cloudflare:workers";
import OpenAI from "openai";
import { inject } from "vitest";
import type { LogEntry } from "../fakes/server";

export const KEY = "test-key";
export const ADMIN_KEY = "admin-key";

export function call(path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? KEY : init.key;
  if (key !== null && !headers.has("authorization")) headers.set("authorization", `Bearer ${key}`);
  return exports.default.fetch(new Request(`http://router.test${path}`, { ...init, headers }));
}

export function postJson(path: string, body: unknown, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  return call(path, { ...init, method: "POST", headers, body: JSON.stringify(body) });
}

/** A unique tag per test so fake state and logs never collide across tests. */
export function tag(): string {
  return crypto.randomUUID().slice(0, 8);
}

export async function fakeLog(which: "openaiFakeUrl" | "geminiFakeUrl" | "ollamaFakeUrl", modelSubstring: string): Promise<LogEntry[]> {
  const res = await fetch(`${inject(which)}/__log?model=${encodeURIComponent(modelSubstring)}`);
  return (await res.json()) as LogEntry[];
}

/**
 * Calls the Worker's fetch with some bindings replaced (settings, ALIASES_YAML, keys),
 * exactly as the runtime would, and waits for its background work.
 */
export async function callWith(overrides: Record<string, string>, path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const { default: worker } = await import("../../src/index");
  const { env } = await import("cloudflare:workers");
  const { createExecutionContext } = await import("cloudflare:test");
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? KEY : init.key;
  if (key !== null && !headers.has("authorization")) headers.set("authorization", `Bearer ${key}`);
  const ctx = createExecutionContext();
  const request = new Request(`http://router.test${path}`, { ...init, headers }) as Request<unknown, IncomingRequestCfProperties>;
  return worker.fetch(request, { ...env, ...overrides } as Env, ctx);
}

export function postWith(overrides: Record<string, string>, path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  return callWith(overrides, path, { ...init, method: "POST", headers, body: JSON.stringify(body) });
}

/** An ALIASES_YAML with one alias `mana/t` (the default) over the given chain. */
export function chainYaml(chain: string[], extra = ""): string {
  return `aliases:\n  mana/t:\n    description: test chain\n    chain: [${chain.map((e) => JSON.stringify(e)).join(", ")}]\ndefault: mana/t\n${extra}`;
}

/** Reads an SSE body into its `data:` payloads, in order. */
export async function sseEvents(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .map((block) =>
      block
        .split("\n")
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n"),
    )
    .filter((d) => d.length > 0);
}

const FAKE_PREFIXES = { groq: "GROQ_API_KEY", openrouter: "OPENROUTER_API_KEY", together: "TOGETHER_API_KEY", openai: "OPENAI_API_KEY" } as const;

/**
 * Providers of this test's own (`groq-<tag>`, …) served by the fake's matching endpoint,
 * with the built-in provider's key. Breakers are keyed by provider name and shared by every
 * test in a file, so tests about the walk use these to keep one test's failures from
 * opening a breaker for the next.
 */
export function ownProviders(t: string): string {
  const base = inject("openaiFakeUrl");
  const fakes = Object.entries(FAKE_PREFIXES).map(([p, key]) => `  ${p}-${t}: {kind: openai, base_url: "${base}/${p}/v1", api_key_env: ${key}}\n`);
  // And one on a closed port: nothing listens on port 1.
  return `${fakes.join("")}  dead-${t}: {kind: openai, base_url: "http://127.0.0.1:1/v1", api_key_env: GROQ_API_KEY}\n`;
}

/** The per-test tag carried by chain entries (`provider/model@<tag>`). */
export function tagOf(chain: readonly string[]): string | undefined {
  for (const e of chain) {
    const m = /@([0-9a-f]{8})$/.exec(e);
    if (m) return m[1];
  }
  return undefined;
}

/** The openai npm SDK as a real client of the Worker (bindings replaced as in callWith). */
export function sdkClient(overrides: Record<string, string> = {}): OpenAI {
  return new OpenAI({
    apiKey: KEY,
    baseURL: "http://router.test/v1",
    maxRetries: 0,
    fetch: (url: RequestInfo | URL, init?: RequestInit) => {
      const u = new URL(String(url));
      return callWith(overrides, u.pathname + u.search, { ...init, key: null });
    },
  });
}

type FakeName = "openaiFakeUrl" | "geminiFakeUrl" | "ollamaFakeUrl";

/**
 * Registers a verbatim answer on a fake (test/fakes/server.ts `Script`) and returns the
 * fault to name as the model: `scripted:<key>`.
 */
export async function scriptFake(
  which: FakeName,
  script: { status?: number; headers?: Record<string, string>; chunks: string[]; encoding?: "utf8" | "base64"; end?: "end" | "destroy" },
): Promise<string> {
  const key = crypto.randomUUID().slice(0, 12);
  const res = await fetch(`${inject(which)}/__script`, {
    method: "POST",
    body: JSON.stringify({ key, status: script.status ?? 200, headers: script.headers ?? {}, chunks: script.chunks, encoding: script.encoding, end: script.end }),
  });
  await res.body?.cancel();
  if (res.status !== 204) throw new Error(`scriptFake: ${res.status}`);
  return `scripted:${key}`;
}

/** Providers of one test on every fake: `oa-<t>` (OpenAI SSE), `ol-<t>` (Ollama NDJSON), `gm-<t>` (Gemini SSE), `ok-<t>` (a healthy fallback). */
export function hostileProviders(t: string): string {
  const oa = `${inject("openaiFakeUrl")}/groq/v1`;
  return [
    `  oa-${t}: {kind: openai, base_url: "${oa}", api_key_env: GROQ_API_KEY}`,
    `  ok-${t}: {kind: openai, base_url: "${oa}", api_key_env: GROQ_API_KEY}`,
    `  ol-${t}: {kind: ollama, base_url: "${inject("ollamaFakeUrl")}"}`,
    `  gm-${t}: {kind: gemini, base_url: "${inject("geminiFakeUrl")}/v1beta", api_key_env: GOOGLE_API_KEY}`,
    "",
  ].join("\n");
}

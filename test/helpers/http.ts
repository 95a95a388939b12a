/** Helpers for integration tests: requests through the Worker, and reading fake logs. */
import { exports } from "cloudflare:workers";
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

export async function fakeLog(which: "openaiFakeUrl", modelSubstring: string): Promise<LogEntry[]> {
  const res = await fetch(`${inject(which)}/__log?model=${encodeURIComponent(modelSubstring)}`);
  return (await res.json()) as LogEntry[];
}

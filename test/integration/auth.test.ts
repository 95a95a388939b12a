import { env } from "cloudflare:workers";
import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import type { ErrorBody } from "../../src/openai/errors";
import { ADMIN_KEY, KEY, call, callWith } from "../helpers/http";

const ALLOWED_ORIGIN = "https://app.example.com";

async function errorOf(res: Response): Promise<ErrorBody> {
  const body = await res.json<{ error: ErrorBody }>();
  expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
  return body.error;
}

/** Calls the Worker with some bindings overridden; no key unless the headers carry one. */
const fetchWithEnv = (overrides: Record<string, string>, path: string, init: RequestInit = {}) => callWith(overrides, path, { ...init, key: null });

describe("API keys", () => {
  it("no key → 401 explaining how to send one", async () => {
    const res = await call("/v1/models", { key: null });
    expect(res.status).toBe(401);
    const error = await errorOf(res);
    expect(error.type).toBe("authentication_error");
    expect(error.code).toBe("missing_api_key");
    expect(error.message).toMatch(/Authorization: Bearer/);
    expect(error.message).toMatch(/X-API-Key/);
  });

  it.each(["wrong-key", "test-ke", "test-key-and-more", "TEST-KEY", ""])("a wrong key (%j) → 401", async (key) => {
    const res = await call("/v1/models", { key: null, headers: { "x-api-key": key, authorization: `Bearer ${key}` } });
    expect(res.status).toBe(401);
    expect((await errorOf(res)).type).toBe("authentication_error");
  });

  it.each([
    ["a trailing non-breaking space", `${KEY}\u00a0`],
    ["a leading non-breaking space", `\u00a0${KEY}`],
    ["a trailing NEL", `${KEY}\u0085`],
  ])("a key with %s is refused: only ASCII spaces and tabs are trimmed", async (_label, key) => {
    for (const headers of <Record<string, string>[]>[{ authorization: `Bearer ${key}` }, { "x-api-key": key }, { authorization: `Bearer\u00a0${KEY}` }]) {
      const res = await call("/v1/models", { key: null, headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
    }
  });

  it("spaces and tabs around a key are still tolerated", async () => {
    for (const headers of <Record<string, string>[]>[{ authorization: `Bearer \t${KEY}\t ` }, { "x-api-key": ` ${KEY}\t` }]) {
      expect((await call("/v1/models", { key: null, headers })).status, JSON.stringify(headers)).toBe(200);
    }
  });

  it("a key sent with another scheme is not read as a key", async () => {
    const res = await call("/v1/models", { key: null, headers: { authorization: `Basic ${KEY}` } });
    expect(res.status).toBe(401);
  });

  it("every configured key works, as Bearer (any case) or as X-API-Key", async () => {
    for (const headers of <Record<string, string>[]>[
      { authorization: `Bearer ${KEY}` },
      { authorization: `bearer   ${KEY}` },
      { authorization: "Bearer second-key" },
      { "x-api-key": KEY },
      { "x-api-key": "second-key" },
    ]) {
      const res = await call("/v1/models", { key: null, headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
    }
  });

  it("an admin key also works as a normal key", async () => {
    expect((await call("/v1/models", { key: ADMIN_KEY })).status).toBe(200);
    expect((await call("/v1/models", { key: null, headers: { "x-api-key": ADMIN_KEY } })).status).toBe(200);
  });

  it("protects every /v1 route, including unknown ones", async () => {
    for (const path of ["/v1/aliases", "/v1/models/mana/fast-text", "/v1/nope"]) {
      expect((await call(path, { key: null })).status, path).toBe(401);
    }
    const res = await call("/v1/chat/completions", { key: null, method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
  });

  it("/health needs no key", async () => {
    const res = await call("/health", { key: null });
    expect(res.status).toBe(200);
    const body = await res.json<{ status: string; service: string; version: string; providers: Record<string, { status: string }> }>();
    expect(body.service).toBe("mana-llm");
    expect(["healthy", "degraded", "unhealthy", "unknown"]).toContain(body.status);
    expect(typeof body.version).toBe("string");
    // Terse: a status per configured provider, no error text.
    for (const p of Object.values(body.providers)) expect(Object.keys(p)).toEqual(["status"]);
  });
});

describe("a deployment without keys", () => {
  const noKeys = { API_KEYS: "", ADMIN_API_KEYS: "" };

  it("refuses every request with a 401 that says why", async () => {
    const res = await fetchWithEnv(noKeys, "/v1/models", { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(401);
    const error = await errorOf(res);
    expect(error.code).toBe("no_keys_configured");
    expect(error.message).toMatch(/no API keys configured/);
    expect(error.message).toContain("API_KEYS");
  });

  it("serves without a key when explicitly marked open (ALLOW_OPEN_ACCESS=true)", async () => {
    const res = await fetchWithEnv({ ...noKeys, ALLOW_OPEN_ACCESS: "true" }, "/v1/models");
    expect(res.status).toBe(200);
  });

  it("ALLOW_OPEN_ACCESS does not open a deployment that has keys", async () => {
    const res = await fetchWithEnv({ ALLOW_OPEN_ACCESS: "true" }, "/v1/models");
    expect(res.status).toBe(401);
  });

  it("still serves /health", async () => {
    expect((await fetchWithEnv(noKeys, "/health")).status).toBe(200);
  });
});

describe("invalid settings", () => {
  it("BREAKER_BACKOFF_S=abc → every request answers 500 naming the variable", async () => {
    for (const [path, init] of [
      ["/health", {}],
      ["/v1/models", { headers: { authorization: `Bearer ${KEY}` } }],
      ["/v1/chat/completions", { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: "{}" }],
    ] as const) {
      const res = await fetchWithEnv({ BREAKER_BACKOFF_S: "abc" }, path, init);
      expect(res.status, path).toBe(500);
      const error = await errorOf(res);
      expect(error.type).toBe("server_error");
      expect(error.code).toBe("invalid_configuration");
      expect(error.message).toContain('BREAKER_BACKOFF_S="abc"');
      expect(res.headers.get("x-request-id")).toBeTruthy();
    }
  });

  // Each misconfiguration test/unit/settings.test.ts finds (a ConfigError), as the client sees it.
  it.each([
    ["BREAKER_FAILURE_THRESHOLD", "0"],
    ["PROBE_INTERVAL_S", "61"],
    ["ALLOW_OPEN_ACCESS", "yes"],
    ["OLLAMA_URL", "gpu.example.com:11434"],
    ["OPENAI_BASE_URL", "ftp://api.openai.com/v1"],
  ])("%s=%s → a 500 invalid_configuration naming the variable", async (name, value) => {
    const res = await fetchWithEnv({ [name]: value }, "/health");
    expect(res.status).toBe(500);
    const error = await errorOf(res);
    expect(error).toMatchObject({ type: "server_error", code: "invalid_configuration" });
    expect(error.message).toMatch(/^Router misconfigured: /);
    expect(error.message).toContain(`${name}="${value}"`);
  });

  it("only half of the Cloudflare Access pair → a 500 invalid_configuration", async () => {
    const res = await fetchWithEnv({ OLLAMA_ACCESS_CLIENT_SECRET: "value" }, "/health");
    expect(res.status).toBe(500);
    const error = await errorOf(res);
    expect(error).toMatchObject({ type: "server_error", code: "invalid_configuration" });
    expect(error.message).toContain("OLLAMA_ACCESS_CLIENT_ID and OLLAMA_ACCESS_CLIENT_SECRET must be set together");
  });

  it("a secret never leaks through a settings error", async () => {
    const res = await fetchWithEnv({ OLLAMA_ACCESS_CLIENT_ID: "id-only", GROQ_API_KEY: "sk-groq-do-not-print" }, "/health");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toContain("OLLAMA_ACCESS_CLIENT_SECRET");
    expect(text).not.toContain("sk-groq-do-not-print");
    expect(text).not.toContain("id-only");
  });
});

describe("X-Request-Id", () => {
  it("keeps a sane id the caller sent", async () => {
    const id = "req_2026-11-25.abc:42";
    const res = await call("/v1/models", { headers: { "x-request-id": id } });
    expect(res.headers.get("x-request-id")).toBe(id);
  });

  it.each([
    ["300 characters", "a".repeat(300)],
    ["spaces", "my request id"],
    ["quotes and angle brackets", '"<script>"'],
  ])("replaces an id with %s", async (_label, given) => {
    const res = await call("/v1/models", { headers: { "x-request-id": given } });
    const id = res.headers.get("x-request-id");
    expect(id).not.toBe(given);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("makes a fresh one per request when none is sent", async () => {
    const a = (await call("/v1/models")).headers.get("x-request-id");
    const b = (await call("/v1/models")).headers.get("x-request-id");
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(b).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });

  it("is on error responses too", async () => {
    const res = await call("/v1/models", { key: "wrong", headers: { "x-request-id": "trace-401" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("x-request-id")).toBe("trace-401");
  });
});

describe("unknown routes", () => {
  it.each([
    ["GET", "/nope"],
    ["GET", "/v1/nope"],
    ["DELETE", "/v1/models"],
    ["GET", "/v1/chat/completions"],
  ])("%s %s → 404 in the error envelope", async (method, path) => {
    const res = await call(path, { method });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const error = await errorOf(res);
    expect(error.type).toBe("not_found_error");
    expect(error.code).toBe("unknown_route");
    expect(error.message).toContain(path);
  });
});

describe("unexpected errors", () => {
  it("→ 500 with a generic message and the request id; the details stay in the log", async () => {
    const app = createApp();
    app.get("/boom", () => {
      throw new TypeError("db password is hunter2");
    });
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const ctx = createExecutionContext();
    const res = await app.request("/boom", { headers: { "x-request-id": "trace-500" } }, env, ctx);
    expect(logged.mock.calls.flat().join("\n")).toMatch(/"request_id":"trace-500".*hunter2/);
    logged.mockRestore();
    expect(res.status).toBe(500);
    const error = await errorOf(res);
    expect(error).toEqual({ message: "Internal error (request id trace-500)", type: "server_error", code: "internal_error", param: null });
    expect(res.headers.get("x-request-id")).toBe("trace-500");
  });
});

describe("CORS", () => {
  const preflight = (origin: string) =>
    call("/v1/chat/completions", {
      key: null,
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });

  it("a preflight from an allowed origin passes, without a key", async () => {
    const res = await preflight(ALLOWED_ORIGIN);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(res.headers.get("access-control-allow-methods")).toMatch(/POST/);
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toMatch(/authorization/);
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toMatch(/content-type/);
    expect(res.headers.get("vary")).toMatch(/Origin/);
  });

  it.each(["https://evil.example.com", "https://app.example.com.evil.example", "http://app.example.com", "null"])("a preflight from %s gets no Access-Control-Allow-Origin", async (origin) => {
    const res = await preflight(origin);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("a cross-origin request from an allowed origin can read the answer and our headers", async () => {
    const res = await call("/v1/models", { headers: { origin: ALLOWED_ORIGIN } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(res.headers.get("access-control-expose-headers")).toMatch(/X-Request-Id/);
  });

  it("an allowed origin can read an error too (401), so the browser app sees why", async () => {
    const res = await call("/v1/models", { key: null, headers: { origin: ALLOWED_ORIGIN } });
    expect(res.status).toBe(401);
    expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
  });

  it("with CORS_ORIGINS empty no origin is allowed", async () => {
    const res = await fetchWithEnv({ CORS_ORIGINS: "" }, "/v1/models", {
      method: "OPTIONS",
      headers: { origin: ALLOWED_ORIGIN, "access-control-request-method": "GET" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

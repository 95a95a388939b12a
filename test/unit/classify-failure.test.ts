import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/openai/errors";
import type { UpstreamFailure } from "../../src/providers/failures";
import { classifyFailure, classifyInterruption, type Decision } from "../../src/routing/classify";

type NextDecision = Extract<Decision, { action: "next" }>;

function next(f: UpstreamFailure): NextDecision {
  const d = classifyFailure(f, "groq");
  if (d.action !== "next") throw new Error(`expected next, got return: ${d.error.message}`);
  return d;
}

function returned(f: UpstreamFailure, provider = "groq"): ApiError {
  const d = classifyFailure(f, provider);
  if (d.action !== "return") throw new Error(`expected return, got next (${d.reason})`);
  expect(d.error).toBeInstanceOf(ApiError);
  return d.error;
}

describe("classifyFailure: fall back to the next entry", () => {
  it.each<[string, UpstreamFailure, Omit<NextDecision, "action">]>([
    [
      "a connect failure (no retry)",
      { kind: "connect", reset: false, message: "connection failed" },
      { reason: "connect", retrySame: false, retryDelayMs: 0, breaker: { kind: "failure", reason: "connect" } },
    ],
    [
      "a reset (one same-entry retry)",
      { kind: "connect", reset: true, message: "connection lost" },
      { reason: "connect", retrySame: true, retryDelayMs: 0, breaker: { kind: "failure", reason: "connect" } },
    ],
    ["a first-byte timeout", { kind: "timeout", phase: "first-byte" }, { reason: "timeout", retrySame: false, retryDelayMs: 0, breaker: { kind: "failure", reason: "timeout" } }],
    ["a malformed payload", { kind: "malformed", message: "not json" }, { reason: "malformed", retrySame: false, retryDelayMs: 0, breaker: { kind: "failure", reason: "malformed" } }],
    [
      "an in-stream error",
      { kind: "stream-error", message: "cut", code: "server_error" },
      { reason: "stream-error", retrySame: false, retryDelayMs: 0, breaker: { kind: "failure", reason: "stream-error" } },
    ],
    ["a 5xx (one same-entry retry)", { kind: "http", status: 503, message: "overloaded" }, { reason: "http-5xx", retrySame: true, retryDelayMs: 0, breaker: { kind: "failure", reason: "http-5xx" } }],
    ["a 500", { kind: "http", status: 500, message: "boom" }, { reason: "http-5xx", retrySame: true, retryDelayMs: 0, breaker: { kind: "failure", reason: "http-5xx" } }],
  ])("%s counts against the breaker", (_name, failure, expected) => {
    expect(classifyFailure(failure, "groq")).toEqual({ action: "next", ...expected });
  });

  it.each<[string, UpstreamFailure, NextDecision["reason"]]>([
    ["an unknown model", { kind: "model-not-found", message: "no such model" }, "model-not-found"],
    ["a context-length overflow", { kind: "context-length", message: "too long" }, "context-length"],
    ["a missing capability", { kind: "incapable", message: "no tools" }, "incapable"],
  ])("%s is entry-specific: next entry, no retry, breaker untouched", (_name, failure, reason) => {
    const d = next(failure);
    expect(d).toEqual({ action: "next", reason, retrySame: false, retryDelayMs: 0 });
    expect(d.breaker).toBeUndefined();
  });

  it.each(["first-byte", "idle", "total"] as const)("never retries a %s timeout", (phase) => {
    const d = next({ kind: "timeout", phase });
    expect(d.retrySame).toBe(false);
    expect(d.reason).toBe("timeout");
  });
});

describe("classifyFailure: 429", () => {
  it.each<[number | undefined, boolean, number]>([
    [0, true, 0],
    [1, true, 1000],
    [1.5, true, 1500],
    [2, true, 2000],
    [2.5, false, 0],
    [30, false, 0],
    [undefined, false, 0],
  ])("Retry-After %s → retrySame %s after %i ms", (retryAfterS, retrySame, retryDelayMs) => {
    const d = next({ kind: "rate-limited", retryAfterS, message: "slow down" });
    expect(d).toEqual({
      action: "next",
      reason: "rate-limited",
      retrySame,
      retryDelayMs,
      breaker: { kind: "rate-limited", retryAfterS },
    });
  });
});

describe("classifyFailure: returned to the client", () => {
  it("returns a 4xx as 400 with the upstream param and code kept", () => {
    const err = returned({ kind: "http", status: 400, code: "invalid_value", message: "temperature too high", param: "temperature" });
    expect(err.status).toBe(400);
    expect(err.param).toBe("temperature");
    expect(err.code).toBe("invalid_value");
    expect(err.type).toBe("invalid_request_error");
    expect(err.message).toContain("groq");
    expect(err.message).toContain("temperature too high");
  });

  it("maps other 4xx statuses to 400 and fills a code when upstream gave none", () => {
    const err = returned({ kind: "http", status: 409, message: "conflict" });
    expect(err.status).toBe(400);
    expect(err.code).toBe("upstream_bad_request");
    expect(err.param).toBeNull();
  });

  it.each([413, 422])("keeps status %i", (status) => {
    expect(returned({ kind: "http", status, message: "no" }).status).toBe(status);
  });

  it.each([401, 403])("renders upstream auth (%i) as 502 upstream_auth in the router's own words", (status) => {
    const err = returned({ kind: "auth", status }, "openrouter");
    expect(err.status).toBe(502);
    expect(err.code).toBe("upstream_auth");
    expect(err.type).toBe("upstream_error");
    expect(err.message).toContain("openrouter");
    expect(err.message).toContain(String(status));
  });

  it("never carries upstream text in an auth error", () => {
    // The failure itself has no message field; whatever the adapter saw cannot leak.
    const failure = { kind: "auth", status: 401, message: "Incorrect API key provided: sk-live-abcdef0123456789" } as UpstreamFailure;
    const err = returned(failure);
    expect(err.message).not.toContain("sk-live");
    expect(err.message).not.toContain("Incorrect API key");
    expect(JSON.stringify(err.toBody())).not.toContain("sk-live");
  });

  it("returns blocked content as 422 with the categories", () => {
    const err = returned({ kind: "blocked", message: "flagged", categories: ["violence", "hate"] });
    expect(err.status).toBe(422);
    expect(err.code).toBe("content_blocked");
    expect(err.type).toBe("content_blocked");
    expect(err.message).toContain("flagged");
    expect(err.message).toContain("violence, hate");
  });

  it("returns blocked content without categories and no empty list", () => {
    const err = returned({ kind: "blocked", message: "flagged", categories: [] });
    expect(err.status).toBe(422);
    expect(err.message).not.toContain("categories");
  });
});

describe("classifyInterruption (after the commit point)", () => {
  const ended = (f: UpstreamFailure) => classifyInterruption(f, "groq/m", "detail");

  it("reports a timeout to the breaker as timeout and ends the stream with upstream_timeout", () => {
    const r = ended({ kind: "timeout", phase: "idle" });
    expect(r.reason).toBe("timeout");
    expect(r.error.toBody().error).toEqual({ message: "The answer from groq/m was interrupted: detail. The response is incomplete.", type: "upstream_error", code: "upstream_timeout", param: null });
  });

  it.each<UpstreamFailure>([
    { kind: "stream-error", message: "boom" },
    { kind: "connect", reset: true, message: "lost" },
    { kind: "malformed", message: "garbage" },
  ])("reports $kind as stream-error: nothing can fall back any more", (f) => {
    const r = ended(f);
    expect(r.reason).toBe("stream-error");
    expect(r.error.code).toBe("upstream_stream_error");
  });

  it("does not hold blocked content against the provider", () => {
    const r = ended({ kind: "blocked", message: "flagged", categories: [] });
    expect(r.reason).toBeUndefined();
    expect(r.error.code).toBe("content_blocked");
  });
});

/** The one renderer: every error of the hierarchy knows its view; unknown throws are internal errors. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/aliases";
import { DeadlineError } from "../../src/lib/deadline";
import { asRouterError, ClientGone, RouterError } from "../../src/lib/errors";
import { ApiError, errorEvent, errorResponse } from "../../src/openai/errors";
import { UpstreamError } from "../../src/providers/failures";

describe("errorResponse", () => {
  it("renders an ApiError as the OpenAI envelope with its headers and the request id", async () => {
    const err = new ApiError(503, "No healthy provider", {
      type: "no_healthy_provider",
      code: "no_healthy_provider",
      attempts: [{ model: "groq/x", reason: "timeout", detail: "first-byte timeout" }],
      headers: { "X-Mana-LLM-Attempts": "groq/x=timeout" },
    });
    const res = errorResponse(err, "req-1");
    expect(res.status).toBe(503);
    expect(res.headers.get("x-request-id")).toBe("req-1");
    expect(res.headers.get("x-mana-llm-attempts")).toBe("groq/x=timeout");
    expect(await res.json()).toEqual({
      error: { message: "No healthy provider", type: "no_healthy_provider", code: "no_healthy_provider", param: null, attempts: [{ model: "groq/x", reason: "timeout" }] },
    });
    expect(err.logLine()).toMatchObject({ level: "error", event: "request.failed", fields: { status: 503 } });
    expect(new ApiError(400, "bad").logLine()).toBeUndefined();
  });

  it("renders a ConfigError as the router's misconfiguration, logged as config.invalid", async () => {
    const err = new ConfigError("aliases.yaml line 3: bad");
    const res = errorResponse(err, "req-2");
    expect(res.status).toBe(500);
    expect((await res.json<{ error: unknown }>()).error).toEqual({ message: "Router misconfigured: aliases.yaml line 3: bad", type: "server_error", code: "invalid_configuration", param: null });
    expect(err.logLine()).toEqual({ level: "error", event: "config.invalid", fields: { message: "aliases.yaml line 3: bad" } });
  });

  it("answers a gone client with 499 and no body, logged at info", async () => {
    const res = errorResponse(new ClientGone(), "req-3");
    expect(res.status).toBe(499);
    expect(await res.text()).toBe("");
    expect(res.headers.get("x-request-id")).toBe("req-3");
    expect(new ClientGone().logLine()).toMatchObject({ level: "info", event: "request.client_gone" });
  });

  it("renders internal signals that escaped (upstream failure, deadline) and unknown throws as 500 internal_error, stack in the log only", async () => {
    for (const thrown of [new UpstreamError({ kind: "timeout", phase: "idle" }), new DeadlineError(50), new TypeError("x is undefined"), "a string"]) {
      const err = asRouterError(thrown);
      expect(err).toBeInstanceOf(RouterError);
      const res = errorResponse(err, "req-4");
      expect(res.status).toBe(500);
      const body = await res.json<{ error: { message: string; code: string } }>();
      expect(body.error).toMatchObject({ code: "internal_error", message: "Internal error (request id req-4)" });
      const line = err.logLine()!;
      expect(line.event).toBe("request.unhandled");
      if (thrown instanceof Error) expect(line.fields.stack).toBe(thrown.stack);
    }
  });
});

describe("retry hints", () => {
  it("x-should-retry: false on every 4xx but 429, and on upstream_auth; never on 5xx or 429", () => {
    const hint = (err: ApiError) => errorResponse(err).headers.get("x-should-retry");
    for (const status of [400, 401, 403, 404, 408, 409, 413, 422]) expect(hint(new ApiError(status, "no"))).toBe("false");
    expect(hint(new ApiError(502, "creds", { code: "upstream_auth" }))).toBe("false");
    for (const status of [429, 500, 502, 503, 504]) expect(hint(new ApiError(status, "maybe"))).toBeNull();
  });
});

describe("errorEvent", () => {
  it("is the envelope without attempts (the stream's headers carry them)", () => {
    const err = new ApiError(502, "The answer was interrupted", { type: "upstream_error", code: "upstream_timeout", attempts: [{ model: "a/b", reason: "timeout" }] });
    expect(errorEvent(err)).toEqual({ error: { message: "The answer was interrupted", type: "upstream_error", code: "upstream_timeout", param: null } });
  });
});

import { describe, expect, it } from "vitest";
import { mapOpenAIError } from "../../src/providers/openai-compatible/map-error";

const NOW = Date.parse("2026-01-15T12:00:00Z");
const body = (error: unknown) => JSON.stringify({ error });

describe("mapOpenAIError: credentials", () => {
  it.each([401, 403])("maps %i to auth, dropping the upstream text", (status) => {
    const f = mapOpenAIError(status, body({ message: "Incorrect API key provided: sk-proj-abc***xyz", type: "invalid_request_error", code: "invalid_api_key" }), null, NOW);
    expect(f).toEqual({ kind: "auth", status });
  });
});

describe("mapOpenAIError: rate limits", () => {
  const limited = body({ message: "Rate limit reached for model llama-3.1-8b-instant", type: "tokens", code: "rate_limit_exceeded" });

  it("reads Retry-After in seconds", () => {
    expect(mapOpenAIError(429, limited, "7", NOW)).toEqual({
      kind: "rate-limited",
      retryAfterS: 7,
      message: "Rate limit reached for model llama-3.1-8b-instant",
    });
  });

  it("reads Retry-After in decimal seconds", () => {
    expect(mapOpenAIError(429, limited, "1.5", NOW)).toMatchObject({ kind: "rate-limited", retryAfterS: 1.5 });
  });

  it("reads Retry-After as an HTTP date against the given now", () => {
    const at = new Date(NOW + 30_000).toUTCString();
    expect(mapOpenAIError(429, limited, at, NOW)).toMatchObject({ kind: "rate-limited", retryAfterS: 30 });
  });

  it("leaves retryAfterS undefined without a header", () => {
    const f = mapOpenAIError(429, limited, null, NOW);
    expect(f.kind).toBe("rate-limited");
    expect(f).toHaveProperty("retryAfterS", undefined);
  });

  it("treats 429 as a rate limit whatever the body says", () => {
    expect(mapOpenAIError(429, "Too Many Requests", "2", NOW)).toEqual({ kind: "rate-limited", retryAfterS: 2, message: "HTTP 429" });
  });

  it("does not read a garbage Retry-After as 'retry now'", () => {
    expect(mapOpenAIError(429, limited, "-5", NOW)).toHaveProperty("retryAfterS", undefined);
  });
});

describe("mapOpenAIError: entry-specific failures", () => {
  it("maps code context_length_exceeded to context-length", () => {
    const f = mapOpenAIError(400, body({ message: "Please reduce the length of the messages.", type: "invalid_request_error", param: "messages", code: "context_length_exceeded" }), null, NOW);
    expect(f).toEqual({ kind: "context-length", message: "Please reduce the length of the messages." });
  });

  it.each([
    "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.",
    "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Context length exceeded",
    "Request too large: too many tokens in the prompt",
  ])("maps the message-only variant %j to context-length", (message) => {
    expect(mapOpenAIError(400, body({ message, type: "invalid_request_error" }), null, NOW)).toEqual({ kind: "context-length", message });
  });

  it("maps Groq's 413 rate_limit_exceeded (request larger than the entry's per-minute allowance) to context-length", () => {
    // Waiting never helps and the breaker must not open for smaller requests: fall back, no retry.
    const message =
      "Request too large for model `llama-3.1-8b-instant` in organization `org_0000` service tier `on_demand` on tokens per minute (TPM): Limit 6000, Requested 12328, please reduce your message size and try again.";
    expect(mapOpenAIError(413, body({ message, type: "tokens", code: "rate_limit_exceeded" }), null, NOW)).toEqual({ kind: "context-length", message });
  });

  it("keeps any other 413 as http", () => {
    expect(mapOpenAIError(413, body({ message: "Payload too large", type: "invalid_request_error" }), null, NOW)).toMatchObject({ kind: "http", status: 413 });
  });

  it.each([404, 400])("maps model_not_found (HTTP %i) to model-not-found", (status) => {
    const f = mapOpenAIError(status, body({ message: "The model `gpt-9` does not exist", type: "invalid_request_error", code: "model_not_found" }), null, NOW);
    expect(f).toEqual({ kind: "model-not-found", message: "The model `gpt-9` does not exist" });
  });

  it("maps a bare 404 to model-not-found", () => {
    expect(mapOpenAIError(404, "", null, NOW)).toEqual({ kind: "model-not-found", message: "HTTP 404" });
  });
});

describe("mapOpenAIError: returned to the client", () => {
  it.each(["content_policy_violation", "content_filter"])("maps %s to blocked", (code) => {
    const f = mapOpenAIError(400, body({ message: "Your request was rejected by the safety system.", type: "invalid_request_error", code }), null, NOW);
    expect(f).toEqual({ kind: "blocked", message: "Your request was rejected by the safety system.", categories: [] });
  });

  it("keeps status, code and param of another 400", () => {
    const f = mapOpenAIError(400, body({ message: "Invalid value for 'temperature'", type: "invalid_request_error", param: "temperature", code: "invalid_value" }), null, NOW);
    expect(f).toEqual({ kind: "http", status: 400, code: "invalid_value", message: "Invalid value for 'temperature'", param: "temperature" });
  });

  it("falls back to the error type when there is no code", () => {
    const f = mapOpenAIError(400, body({ message: "bad", type: "invalid_request_error", param: null, code: null }), null, NOW);
    expect(f).toEqual({ kind: "http", status: 400, code: "invalid_request_error", message: "bad", param: undefined });
  });

  it("keeps a 5xx as http so the walk can retry it", () => {
    const f = mapOpenAIError(503, body({ message: "The server is overloaded", type: "server_error" }), null, NOW);
    expect(f).toMatchObject({ kind: "http", status: 503, message: "The server is overloaded" });
  });

  it.each([
    ["an HTML page", "<html><body><h1>502 Bad Gateway</h1></body></html>", 502],
    ["an empty body", "", 500],
    ["plain text", "upstream connect error or disconnect/reset before headers", 503],
  ])("gives a non-JSON body (%s) a message", (_name, text, status) => {
    const f = mapOpenAIError(status, text, null, NOW);
    expect(f).toEqual({ kind: "http", status, code: undefined, message: `HTTP ${status}`, param: undefined });
  });
});

describe("mapOpenAIError: provider shapes", () => {
  it("reads Groq's {error: {message, type, code}}", () => {
    const f = mapOpenAIError(400, body({ message: "`messages.0.content` must be a string", type: "invalid_request_error", code: "invalid_request_error", param: "messages.0.content" }), null, NOW);
    expect(f).toEqual({ kind: "http", status: 400, code: "invalid_request_error", message: "`messages.0.content` must be a string", param: "messages.0.content" });
  });

  it("reads OpenRouter's numeric code with metadata", () => {
    const f = mapOpenAIError(400, JSON.stringify({ error: { message: "Provider returned error", code: 400, metadata: { provider_name: "Together", raw: "…" } }, user_id: "u_1" }), null, NOW);
    expect(f).toEqual({ kind: "http", status: 400, code: "400", message: "Provider returned error", param: undefined });
  });

  it("reads OpenRouter's 402 as an http failure with its message", () => {
    const f = mapOpenAIError(402, body({ message: "Insufficient credits", code: 402 }), null, NOW);
    expect(f).toMatchObject({ kind: "http", status: 402, message: "Insufficient credits" });
  });

  it('reads {error: "string"}', () => {
    expect(mapOpenAIError(400, body("model is required"), null, NOW)).toEqual({ kind: "http", status: 400, code: undefined, message: "model is required", param: undefined });
  });

  it("reads a top-level {message}", () => {
    expect(mapOpenAIError(400, JSON.stringify({ message: "invalid json" }), null, NOW)).toMatchObject({ kind: "http", message: "invalid json" });
  });

  it("reads a string error that names the context length", () => {
    expect(mapOpenAIError(400, body("prompt exceeds the maximum context length"), null, NOW)).toMatchObject({ kind: "context-length" });
  });
});

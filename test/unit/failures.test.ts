import { describe, expect, it } from "vitest";
import { describeFailure, parseRetryAfter, UpstreamError } from "../../src/providers/failures";
import { redactSecrets } from "../../src/lib/redact";

const NOW = Date.parse("2026-01-15T12:00:00Z");

describe("parseRetryAfter", () => {
  it.each<[string, number]>([
    ["0", 0],
    ["1", 1],
    ["30", 30],
    [" 2 ", 2],
    ["1.5", 1.5],
    ["0.25", 0.25],
  ])("reads delta-seconds %j", (value, seconds) => {
    expect(parseRetryAfter(value, NOW)).toBe(seconds);
  });

  it("reads an HTTP date in the future as whole seconds from now, rounded up", () => {
    expect(parseRetryAfter(new Date(NOW + 5_000).toUTCString(), NOW)).toBe(5);
    expect(parseRetryAfter("Thu, 15 Jan 2026 12:01:00 GMT", NOW)).toBe(60);
    expect(parseRetryAfter("Thu, 15 Jan 2026 12:00:01 GMT", NOW - 500)).toBe(2);
  });

  it("reads the RFC 850 and asctime date shapes too", () => {
    expect(parseRetryAfter("Thursday, 15-Jan-26 12:00:10 GMT", NOW)).toBe(10);
    expect(parseRetryAfter("Thu Jan 15 12:00:10 2026", NOW)).toBe(10);
  });

  it("reads an HTTP date in the past as 0", () => {
    expect(parseRetryAfter("Wed, 14 Jan 2026 12:00:00 GMT", NOW)).toBe(0);
  });

  it.each([null, "", "soon", "1e3", "12abc", "0x10", "1 hour"])("returns undefined for %j", (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  // Date.parse reads these as dates in years long past, which would mean "retry now".
  it.each(["-5", "+5", "-1.5", "soon 2", "Retry 10"])("returns undefined for %j, which only a lenient date parser reads", (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe("describeFailure / UpstreamError", () => {
  it("names a rate limit with its wait, and auth without upstream text", () => {
    expect(describeFailure({ kind: "rate-limited", retryAfterS: 3, message: "x" })).toBe("rate limited (retry after 3s)");
    expect(describeFailure({ kind: "auth", status: 401 })).toBe("upstream rejected the configured credentials (HTTP 401)");
  });

  it("carries the failure and its description", () => {
    const err = new UpstreamError({ kind: "timeout", phase: "idle" });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("UpstreamError");
    expect(err.message).toBe("idle timeout");
    expect(err.failure).toEqual({ kind: "timeout", phase: "idle" });
  });
});

describe("redactSecrets", () => {
  const provider = { apiKey: "my-private-provider-token-123", headers: { "CF-Access-Client-Secret": "cf-access-secret-value" } };

  it("removes the provider's own key wherever it appears", () => {
    const out = redactSecrets("Invalid key my-private-provider-token-123 (got my-private-provider-token-123)", provider);
    expect(out).not.toContain("my-private-provider-token-123");
    expect(out).toBe("Invalid key [redacted] (got [redacted])");
  });

  it("removes header secrets", () => {
    const out = redactSecrets("Access denied for token cf-access-secret-value", provider);
    expect(out).toBe("Access denied for token [redacted]");
  });

  it.each([
    ["an OpenAI key", "sk-proj-AbCdEf0123456789xyz"],
    ["a classic sk- key", "sk-AbCdEfGhIjKlMnOpQrStUv"],
    ["a Groq key", "gsk_AbCdEf0123456789AbCdEf"],
    ["a Google key", "AIzaSyAbCdEf0123456789-_xyz"],
    ["an OpenRouter key", "sk-or-v1-0123456789abcdef0123456789abcdef"],
  ])("removes %s the provider does not hold", (_name, key) => {
    const out = redactSecrets(`Incorrect API key provided: ${key}. Find yours at example.com.`, { apiKey: undefined, headers: {} });
    expect(out).not.toContain(key);
    expect(out).toBe("Incorrect API key provided: [redacted]. Find yours at example.com.");
  });

  it("leaves ordinary text alone", () => {
    const text = "The model `llama-3.1-8b-instant` is overloaded; ask again (task-runner skipped).";
    expect(redactSecrets(text, provider)).toBe(text);
  });

  it("applies the breaker's rules too: Bearer/Basic values, xai- keys, key= parameters, whitespace, length", () => {
    expect(redactSecrets("sent Authorization: Bearer abc.def", provider)).toBe("sent Authorization: Bearer [redacted]");
    expect(redactSecrets("Basic dXNlcjpwYXNz rejected")).toBe("Basic [redacted] rejected");
    expect(redactSecrets("bad key xai-AbCd1234EfGh")).toBe("bad key [redacted]");
    expect(redactSecrets("GET https://g.example/v1/models?key=not-a-known-shape&alt=sse failed")).toBe("GET https://g.example/v1/models?key=[redacted]&alt=sse failed");
    expect(redactSecrets("line one\n\n  line two")).toBe("line one line two");
    const long = redactSecrets(`${"x".repeat(500)} ${provider.apiKey}`, provider);
    expect(long).toHaveLength(200);
    expect(long.endsWith("…")).toBe(true);
  });

  it("masks a secret that contains another secret whole", () => {
    expect(redactSecrets("got abcd-efgh-ijkl", { apiKey: "abcd", headers: { X: "abcd-efgh-ijkl" } })).toBe("got [redacted]");
  });

  it("does not treat very short secrets as words to strip", () => {
    expect(redactSecrets("a b c", { apiKey: "a", headers: { X: "" } })).toBe("a b c");
  });
});

import { describe, expect, it } from "vitest";
import { mapGeminiError, retryDelayOf, parseGoogleError } from "../../src/providers/gemini/map-error";
import apiKeyInvalid from "../fixtures/gemini/error-api-key-invalid.json";
import contextLength from "../fixtures/gemini/error-context-length.json";
import invalidArgument from "../fixtures/gemini/error-invalid-argument.json";
import notFound from "../fixtures/gemini/error-not-found.json";
import permissionDenied from "../fixtures/gemini/error-permission-denied.json";
import resourceExhausted from "../fixtures/gemini/error-resource-exhausted.json";
import unauthenticated from "../fixtures/gemini/error-unauthenticated.json";
import unavailable from "../fixtures/gemini/error-unavailable.json";

const map = (status: number, body: unknown, retryAfter: string | null = null) => mapGeminiError(status, JSON.stringify(body), retryAfter);

describe("mapGeminiError", () => {
  it("RESOURCE_EXHAUSTED → rate-limited with RetryInfo's delay (not the header)", () => {
    expect(map(429, resourceExhausted, "5")).toEqual({ kind: "rate-limited", retryAfterS: 34, message: expect.stringContaining("exceeded your current quota") });
  });

  it("a 429 without RetryInfo falls back to Retry-After, then to no delay", () => {
    const bare = { error: { code: 429, message: "slow down", status: "RESOURCE_EXHAUSTED" } };
    expect(map(429, bare, "7")).toEqual({ kind: "rate-limited", retryAfterS: 7, message: "slow down" });
    expect(map(429, bare)).toEqual({ kind: "rate-limited", message: "slow down" });
  });

  it("UNAUTHENTICATED, PERMISSION_DENIED and a 400 API_KEY_INVALID → auth, without Google's text", () => {
    expect(map(401, unauthenticated)).toEqual({ kind: "auth", status: 401 });
    expect(map(403, permissionDenied)).toEqual({ kind: "auth", status: 403 });
    expect(map(400, apiKeyInvalid)).toEqual({ kind: "auth", status: 400 });
  });

  it("INVALID_ARGUMENT → a 400 carrying Google's message", () => {
    expect(map(400, invalidArgument)).toEqual({ kind: "http", status: 400, code: "invalid_argument", message: expect.stringContaining('Unknown name "additionalProperties"') });
  });

  it("an input over the token limit → context-length", () => {
    expect(map(400, contextLength)).toEqual({ kind: "context-length", message: expect.stringContaining("exceeds the maximum number of tokens") });
  });

  it("NOT_FOUND → model-not-found", () => {
    expect(map(404, notFound)).toEqual({ kind: "model-not-found", message: expect.stringContaining("gemini-9-ultra") });
  });

  it("5xx (also in the array envelope of non-SSE streaming) → http 5xx with Google's status", () => {
    expect(map(503, unavailable)).toEqual({ kind: "http", status: 503, code: "unavailable", message: "The model is overloaded. Please try again later." });
  });

  it("a body that is not Google's envelope → a generic message, never the raw body", () => {
    const f = mapGeminiError(502, "<html>Bad Gateway secret-ish page</html>");
    expect(f).toEqual({ kind: "http", status: 502, message: "HTTP 502 from Gemini" });
  });

  it("retryDelay parsing: whole and fractional seconds, rounded up", () => {
    const withDelay = (d: string) => parseGoogleError(JSON.stringify({ error: { details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: d }] } }));
    expect(retryDelayOf(withDelay("34s"))).toBe(34);
    expect(retryDelayOf(withDelay("1.2s"))).toBe(2);
    expect(retryDelayOf(withDelay("soon"))).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { describeErrorBody, mapOllamaError, mapOllamaStreamError } from "../../src/providers/ollama/map-error";
import { mapOllamaFinishReason } from "../../src/providers/ollama/map-finish-reason";
import notFound from "../fixtures/ollama/error-model-not-found.json";
import noTools from "../fixtures/ollama/error-no-tools.json";

const NOW = Date.parse("2025-11-20T12:00:00Z");
const map = (status: number, body: unknown, retryAfter: string | null = null) => mapOllamaError(status, typeof body === "string" ? body : JSON.stringify(body), retryAfter, NOW);

describe("mapOllamaError", () => {
  it("404 model not found → model-not-found (entry-specific, not an outage)", () => {
    expect(map(404, notFound)).toEqual({ kind: "model-not-found", message: 'model "llama9:70b" not found, try pulling it first' });
  });

  it("a model without tool support → incapable", () => {
    expect(map(400, noTools)).toEqual({ kind: "incapable", message: "registry.ollama.ai/library/gemma3:12b does not support tools" });
    expect(map(400, { error: '"nomic-embed-text" does not support chat' }).kind).toBe("incapable");
  });

  it("a model too large for the box → incapable, not a provider failure", () => {
    expect(map(500, { error: "model requires more system memory (21.5 GiB) than is available (15.2 GiB)" }).kind).toBe("incapable");
  });

  it("context overflow → context-length", () => {
    expect(map(400, { error: "the input length exceeds the context length" }).kind).toBe("context-length");
  });

  it("401, 403 and a redirect (Cloudflare Access login) → auth, with no upstream text", () => {
    expect(map(401, { error: "unauthorized: token sk-secret" })).toEqual({ kind: "auth", status: 401 });
    expect(map(403, "")).toEqual({ kind: "auth", status: 403 });
    expect(map(302, "")).toEqual({ kind: "auth", status: 302 });
  });

  it("429 → rate-limited with Retry-After", () => {
    expect(map(429, { error: "busy" }, "3")).toEqual({ kind: "rate-limited", retryAfterS: 3, message: "busy" });
  });

  it("5xx → http (retryable), other 4xx → http with Ollama's message", () => {
    expect(map(500, { error: "llama runner process has terminated: exit status 2" })).toEqual({ kind: "http", status: 500, message: "llama runner process has terminated: exit status 2" });
    expect(map(503, { error: "server busy, please try again.  maximum pending requests exceeded" })).toMatchObject({ kind: "http", status: 503 });
    expect(map(400, { error: "invalid options: num_thread" })).toEqual({ kind: "http", status: 400, message: "invalid options: num_thread" });
  });

  it("never echoes an HTML page from the tunnel in front of Ollama", () => {
    const page = "<!DOCTYPE html><html><body>Error 1033 Argo Tunnel error</body></html>";
    expect(map(530, page)).toEqual({ kind: "http", status: 530, message: "Ollama endpoint answered HTTP 530" });
  });
});

describe("describeErrorBody", () => {
  it("clips long texts to one line", () => {
    const msg = describeErrorBody(500, "x\n".repeat(400));
    expect(msg.length).toBeLessThanOrEqual(301);
    expect(msg).not.toContain("\n");
  });
});

describe("mapOllamaStreamError", () => {
  it("is a stream-error", () => {
    expect(mapOllamaStreamError("boom")).toEqual({ kind: "stream-error", message: "boom" });
  });
});

describe("mapOllamaFinishReason", () => {
  it.each([
    ["stop", false, "stop"],
    ["length", false, "length"],
    ["stop", true, "tool_calls"],
    ["length", true, "length"],
    ["load", false, "stop"],
    [undefined, false, "stop"],
  ] as const)("%s (tool calls: %s) → %s", (reason, tools, expected) => {
    expect(mapOllamaFinishReason(reason, tools)).toBe(expected);
  });
});

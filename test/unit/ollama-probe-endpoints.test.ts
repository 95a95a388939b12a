import { describe, expect, it } from "vitest";
import { ollamaProbeResult } from "../../src/providers/ollama/probe";
import { ollamaHeaders } from "../../src/providers/ollama/endpoints";
import type { ProviderConfig } from "../../src/providers/types";

const provider = (over: Partial<ProviderConfig> = {}): ProviderConfig => ({
  name: "ollama",
  kind: "ollama",
  baseUrl: "https://gpu.example.com",
  configured: true,
  headers: {},
  prefill: true,
  ...over,
});

describe("ollamaProbeResult", () => {
  it("counts every answer below 500 as alive", () => {
    expect(ollamaProbeResult(200)).toEqual({ alive: true, status: 200 });
    expect(ollamaProbeResult(404)).toMatchObject({ alive: true, status: 404 });
    expect(ollamaProbeResult(502)).toEqual({ alive: false, status: 502, error: "HTTP 502" });
  });

  it("reports rejected credentials and an Access login redirect as misconfiguration", () => {
    expect(ollamaProbeResult(403)).toMatchObject({ alive: true, misconfigured: true });
    expect(ollamaProbeResult(401)).toMatchObject({ alive: true, misconfigured: true });
    expect(ollamaProbeResult(302)).toMatchObject({ alive: true, misconfigured: true, error: expect.stringMatching(/Access/) });
  });
});

describe("ollamaHeaders", () => {
  it("sends nothing extra when nothing is configured", () => {
    expect(ollamaHeaders(provider())).toEqual({});
  });

  it("sends the Access service token and the bearer key when configured, never an Origin", () => {
    const h = ollamaHeaders(provider({ apiKey: "ollama-key", headers: { "CF-Access-Client-Id": "id.access", "CF-Access-Client-Secret": "s3cret", Origin: "https://evil.example" } }), {
      Accept: "application/json",
    });
    expect(h).toEqual({ Accept: "application/json", "CF-Access-Client-Id": "id.access", "CF-Access-Client-Secret": "s3cret", Authorization: "Bearer ollama-key" });
  });
});

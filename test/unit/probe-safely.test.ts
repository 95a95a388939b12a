import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/providers/failures";
import { probeResultFromStatus, probeSafely } from "../../src/providers/http";

describe("probeSafely", () => {
  it("resolves a network failure as dead, in the sweep's words", async () => {
    const signal = new AbortController().signal;
    const refused = () => Promise.reject(new TypeError("Network connection lost"));
    expect(await probeSafely(signal, refused)).toEqual({ alive: false, error: "connect (connection lost)" });
    const failed = () => Promise.reject(new TypeError("fetch failed"));
    expect(await probeSafely(signal, failed)).toEqual({ alive: false, error: "connect (connection failed)" });
  });

  it("rejects with the caller's own abort, which the caller names", async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await probeSafely(ac.signal, () => Promise.reject(new Error("aborted"))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).failure).toEqual({ kind: "timeout", phase: "total" });
  });
});

describe("probeResultFromStatus", () => {
  it.each([
    [200, { alive: true, status: 200 }],
    [404, { alive: true, status: 404 }],
    [401, { alive: true, status: 401, misconfigured: true, error: "credentials rejected (HTTP 401)" }],
    [503, { alive: false, status: 503, error: "HTTP 503" }],
  ])("%i → %j", (status, result) => {
    expect(probeResultFromStatus(status)).toEqual(result);
  });
});

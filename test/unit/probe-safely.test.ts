import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/providers/failures";
import { probeResultFromStatus, probeSafely } from "../../src/providers/http";

describe("probeSafely", () => {
  // The probes reach the network through upstreamFetch, which types every network failure.
  it("resolves a network failure as dead, in the sweep's words", async () => {
    const signal = new AbortController().signal;
    const lost = () => Promise.reject(new UpstreamError({ kind: "connect", reset: true, message: "connection refused or lost" }));
    expect(await probeSafely(signal, lost)).toEqual({ alive: false, error: "connect (connection lost)" });
    const failed = () => Promise.reject(new UpstreamError({ kind: "connect", reset: false, message: "connection failed" }));
    expect(await probeSafely(signal, failed)).toEqual({ alive: false, error: "connect (connection failed)" });
    const down = () => Promise.reject(new UpstreamError({ kind: "http", status: 502, message: "bad gateway" }));
    expect(await probeSafely(signal, down)).toEqual({ alive: false, error: "http-5xx (HTTP 502)" });
  });

  it("rethrows what the network did not type: the router's own bug is no provider's failure", async () => {
    const bug = new TypeError("Cannot read properties of undefined");
    await expect(probeSafely(new AbortController().signal, () => Promise.reject(bug))).rejects.toBe(bug);
  });

  it("rejects with the caller's own abort, which the caller names", async () => {
    const ac = new AbortController();
    ac.abort();
    const timedOut = new UpstreamError({ kind: "timeout", phase: "total" });
    const err = await probeSafely(ac.signal, () => Promise.reject(timedOut)).catch((e: unknown) => e);
    expect(err).toBe(timedOut);
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

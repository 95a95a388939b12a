/**
 * Issue 11 finding 10: only a typed upstream failure is the upstream's. Anything else a
 * call throws — a RangeError, a TypeError in a converter — is the router's own bug: the
 * walk stops with it as it is (rendered 500 internal_error, logged with its stack), and
 * no breaker hears of it. A network failure still charges the breaker and falls back.
 */
import { describe, expect, it } from "vitest";
import type { BreakerOutcome } from "../../src/breaker/gate";
import { loadSettings } from "../../src/config/settings";
import { asRouterError } from "../../src/lib/errors";
import { systemClock } from "../../src/lib/clock";
import { FrameTooLong } from "../../src/streaming/decode";
import { UpstreamError } from "../../src/providers/failures";
import type { ProviderConfig } from "../../src/providers/types";
import { silentObserver } from "../../src/routing/observer";
import { walkChain, type WalkContext } from "../../src/routing/walk";

const provider = (name: string): ProviderConfig => ({ name, kind: "openai", baseUrl: "http://127.0.0.1:1/v1", configured: true, headers: {}, prefill: false });

function context() {
  const reports: [string, BreakerOutcome][] = [];
  const ctx: WalkContext = {
    settings: loadSettings({}),
    providers: new Map([
      ["a", provider("a")],
      ["b", provider("b")],
    ]),
    // A gate that admits everything and records what the breakers hear.
    gate: {
      admit: async () => true,
      reopensAt: () => undefined,
      report: (p, o) => void reports.push([p, o]),
      lease: async () => undefined,
      isCold: () => false,
      warm: () => {},
      loaded: () => {},
    },
    requestId: "req-1",
    deadline: Date.now() + 60_000,
    signal: new AbortController().signal,
    clock: systemClock,
    observe: silentObserver,
    hold: () => {},
  };
  return { ctx, reports };
}

const chain = {
  entries: [
    { provider: "a", model: "m", id: "a/m" },
    { provider: "b", model: "m", id: "b/m" },
  ],
  direct: false,
  sameVectorSpace: false,
  resume: false,
};

describe("the walk tells our bugs from upstream failures", () => {
  for (const bug of [new RangeError("Maximum call stack size exceeded"), new TypeError("Cannot read properties of undefined (reading 'x')"), "a string"]) {
    it(`${String(bug)} thrown by a call → the walk rejects with it, no breaker report, no fallback`, async () => {
      const { ctx, reports } = context();
      const called: string[] = [];
      const err = await walkChain(ctx, chain, {
        capable: () => undefined,
        call: async (c) => {
          called.push(c.provider.name);
          throw bug;
        },
      }).catch((e: unknown) => e);
      expect(err).toBe(bug);
      expect(called).toEqual(["a"]);
      expect(reports).toEqual([]);
      const view = asRouterError(err).view("req-1");
      expect(view).toMatchObject({ status: 500, code: "internal_error" });
      expect(asRouterError(err).logLine()?.fields).toHaveProperty("stack");
    });
  }

  it("a typed connect failure charges the breaker and falls back", async () => {
    const { ctx, reports } = context();
    const walked = await walkChain(ctx, chain, {
      capable: () => undefined,
      call: async (c) => {
        if (c.provider.name === "a") throw new UpstreamError({ kind: "connect", reset: false, message: "connection failed" });
        return "answer";
      },
    });
    expect(walked.value).toBe("answer");
    expect(walked.attempts).toEqual([{ model: "a/m", reason: "connect", detail: "could not connect: connection failed" }]);
    expect(reports).toEqual([
      ["a", { kind: "failure", reason: "connect" }],
      ["b", { kind: "success" }],
    ]);
  });

  it("an over-long upstream frame is malformed (the upstream's fault), not ours and not connect", async () => {
    const { ctx, reports } = context();
    const walked = await walkChain(ctx, chain, {
      capable: () => undefined,
      call: async (c) => {
        if (c.provider.name === "a") throw new FrameTooLong("SSE line", 3_000_000);
        return "answer";
      },
    });
    expect(walked.attempts.map((a) => a.reason)).toEqual(["malformed"]);
    expect(reports[0]).toEqual(["a", { kind: "failure", reason: "malformed" }]);
  });
});

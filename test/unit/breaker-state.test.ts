import { redactSecrets } from "../../src/lib/redact";
import { describe, expect, it } from "vitest";
import { boundedRetryAfter, breakerPolicy, initialBreakerState, reviveBreakerState, step, verdictOf, type BreakerEvent, type BreakerPolicy, type BreakerState } from "../../src/breaker/state";

const policy: BreakerPolicy = breakerPolicy({ breakerFailureThreshold: 2, breakerBackoffS: 60, firstByteTimeoutMs: 10_000 });
const T0 = 1_700_000_000_000;

const fail = (reason = "http-5xx"): BreakerEvent => ({ type: "failure", source: "request", reason });
const ok: BreakerEvent = { type: "success", source: "request" };
const acquire: BreakerEvent = { type: "acquire" };

/** A fake clock driving one breaker, keeping every transition for assertions. */
function breaker(p: BreakerPolicy = policy, start: BreakerState = initialBreakerState()) {
  let state = start;
  let now = T0;
  const transitions: string[] = [];
  return {
    get state() {
      return state;
    },
    get now() {
      return now;
    },
    transitions,
    advance(ms: number) {
      now += ms;
    },
    send(event: BreakerEvent) {
      const r = step(state, event, now, p);
      state = r.state;
      for (const t of r.transitions) transitions.push(`${t.from}->${t.to}:${t.cause}`);
      return r;
    },
    mode() {
      return step(state, { type: "tick" }, now, p).state.mode;
    },
  };
}

describe("breaker state machine: closed", () => {
  it("starts closed and admits", () => {
    const b = breaker();
    expect(b.state.mode).toBe("closed");
    expect(b.send(acquire).admitted).toBe(true);
    expect(b.transitions).toEqual([]);
  });

  it("stays closed after the first failure (a blip) and records it", () => {
    const b = breaker();
    b.send(fail("timeout"));
    expect(b.state).toMatchObject({ mode: "closed", consecutiveFailures: 1, lastError: "timeout", lastCheck: T0, unhealthyUntil: null });
    expect(b.send(acquire).admitted).toBe(true);
    expect(b.transitions).toEqual([]);
  });

  it("a success between failures resets the count: the failures must be consecutive", () => {
    const b = breaker();
    b.send(fail());
    b.send(ok);
    b.send(fail());
    expect(b.state).toMatchObject({ mode: "closed", consecutiveFailures: 1 });
  });

  it("opens on the threshold-th consecutive failure for the backoff", () => {
    const b = breaker();
    b.send(fail());
    b.advance(1_000);
    const r = b.send(fail("connect"));
    expect(r.state).toMatchObject({ mode: "open", consecutiveFailures: 2, lastError: "connect", unhealthyUntil: T0 + 1_000 + 60_000 });
    expect(r.transitions).toEqual([{ from: "closed", to: "open", at: T0 + 1_000, cause: "failures", source: "request" }]);
    expect(r.state.lastTransition).toEqual(r.transitions[0]);
  });

  it("with the threshold at 1 the first failure opens", () => {
    const b = breaker({ ...policy, failureThreshold: 1 });
    b.send(fail());
    expect(b.state.mode).toBe("open");
    expect(b.send(acquire).admitted).toBe(false);
  });

  it("with a threshold of 3 two failures stay closed", () => {
    const b = breaker({ ...policy, failureThreshold: 3 });
    b.send(fail());
    b.send(fail());
    expect(b.state.mode).toBe("closed");
    b.send(fail());
    expect(b.state.mode).toBe("open");
  });

  it("a success while closed changes no mode and clears the last error", () => {
    const b = breaker();
    b.send(fail());
    b.advance(5);
    const r = b.send(ok);
    expect(r.transitions).toEqual([]);
    expect(r.state).toMatchObject({ mode: "closed", consecutiveFailures: 0, lastError: null, lastCheck: T0 + 5 });
  });
});

describe("breaker state machine: open", () => {
  const opened = () => {
    const b = breaker();
    b.send(fail());
    b.send(fail());
    return b;
  };

  it("denies every request until the window ends", () => {
    const b = opened();
    for (const dt of [0, 1, 30_000, 59_999]) {
      b.advance(dt - (b.now - T0));
      expect(b.send(acquire).admitted).toBe(false);
    }
    expect(b.mode()).toBe("open");
  });

  it("a failure while open refreshes (extends) the window and counts", () => {
    const b = opened();
    b.advance(50_000);
    const r = b.send(fail("timeout"));
    expect(r.state).toMatchObject({ mode: "open", consecutiveFailures: 3, unhealthyUntil: T0 + 50_000 + 60_000, lastError: "timeout" });
    expect(r.transitions).toEqual([]);
    b.advance(20_000); // past the original window, inside the refreshed one
    expect(b.send(acquire).admitted).toBe(false);
  });

  it("a success while open (a probe, or a request that was already in flight) closes and resets", () => {
    const b = opened();
    b.advance(10);
    const r = b.send({ type: "success", source: "probe" });
    expect(r.state).toMatchObject({ mode: "closed", consecutiveFailures: 0, unhealthyUntil: null, lastError: null, trialUntil: null });
    expect(r.transitions).toEqual([{ from: "open", to: "closed", at: T0 + 10, cause: "success", source: "probe" }]);
    expect(b.send(acquire).admitted).toBe(true);
  });

  it("becomes half-open once the window has elapsed (exactly at unhealthyUntil)", () => {
    const b = opened();
    b.advance(59_999);
    expect(b.mode()).toBe("open");
    b.advance(1);
    expect(b.mode()).toBe("half-open");
    const r = b.send({ type: "tick" });
    expect(r.transitions).toEqual([{ from: "open", to: "half-open", at: T0 + 60_000, cause: "backoff-elapsed", source: "time" }]);
  });
});

describe("breaker state machine: half-open", () => {
  const halfOpen = () => {
    const b = breaker();
    b.send(fail());
    b.send(fail());
    b.advance(60_000);
    return b;
  };

  it("grants exactly one trial permit; every other request still sees it open", () => {
    const b = halfOpen();
    const answers = Array.from({ length: 8 }, () => b.send(acquire).admitted);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(answers[0]).toBe(true);
    expect(b.state).toMatchObject({ mode: "half-open", trialUntil: T0 + 60_000 + policy.trialTtlMs });
    expect(b.transitions).toEqual(["closed->open:failures", "open->half-open:backoff-elapsed"]);
  });

  it("concurrent trial requests at the same instant: one wins, the verdict reports the permit as taken", () => {
    const b = halfOpen();
    const first = b.send(acquire);
    const second = b.send(acquire);
    expect([first.admitted, second.admitted]).toEqual([true, false]);
    const v = verdictOf(b.state, b.now, policy);
    expect(v).toMatchObject({ state: "half-open", admitted: false, trialUntil: b.now + policy.trialTtlMs });
  });

  it("the trial's success closes and resets everything", () => {
    const b = halfOpen();
    b.send(acquire);
    b.advance(300);
    const r = b.send(ok);
    expect(r.state).toMatchObject({ mode: "closed", consecutiveFailures: 0, lastError: null, unhealthyUntil: null, trialUntil: null });
    expect(r.transitions).toEqual([{ from: "half-open", to: "closed", at: b.now, cause: "success", source: "request" }]);
    expect(b.send(acquire).admitted).toBe(true);
    // Fully reset: one new failure is a blip again.
    b.send(fail());
    expect(b.state.mode).toBe("closed");
  });

  it("the trial's failure re-opens for a fresh backoff", () => {
    const b = halfOpen();
    b.send(acquire);
    b.advance(400);
    const r = b.send(fail("timeout"));
    expect(r.state).toMatchObject({ mode: "open", consecutiveFailures: 3, unhealthyUntil: b.now + 60_000, trialUntil: null });
    expect(r.transitions).toEqual([{ from: "half-open", to: "open", at: b.now, cause: "trial-failed", source: "request" }]);
    expect(b.send(acquire).admitted).toBe(false);
  });

  it("a trial that never reports back frees its permit after the first-byte timeout plus a margin", () => {
    const b = halfOpen();
    expect(b.send(acquire).admitted).toBe(true);
    b.advance(policy.trialTtlMs - 1);
    expect(b.send(acquire).admitted).toBe(false);
    b.advance(1);
    expect(b.send(acquire).admitted).toBe(true);
    expect(b.send(acquire).admitted).toBe(false);
    expect(policy.trialTtlMs).toBe(10_000 + 5_000);
  });

  it("a late report of the expired trial still counts", () => {
    const b = halfOpen();
    b.send(acquire);
    b.advance(policy.trialTtlMs + 1);
    b.send(acquire); // a second trial
    b.send(ok); // whichever answered: the provider is back
    expect(b.state.mode).toBe("closed");
  });

  it("a probe runs without a permit: its success closes even while a trial is outstanding", () => {
    const b = halfOpen();
    b.send(acquire);
    const r = b.send({ type: "success", source: "probe" });
    expect(r.state.mode).toBe("closed");
    expect(b.send(acquire).admitted).toBe(true);
  });

  it("a probe failure in half-open re-opens it", () => {
    const b = halfOpen();
    const r = b.send({ type: "failure", source: "probe", reason: "probe: timeout" });
    expect(r.state).toMatchObject({ mode: "open", unhealthyUntil: b.now + 60_000 });
    // The window's end and the failure land in one step: both transitions, in order.
    expect(r.transitions.map((t) => `${t.from}->${t.to}:${t.cause}:${t.source}`)).toEqual(["open->half-open:backoff-elapsed:time", "half-open->open:trial-failed:probe"]);
  });

  it("the open→half-open transition is reported once, not on every later event", () => {
    const b = halfOpen();
    b.send({ type: "tick" });
    b.send({ type: "tick" });
    b.send(acquire);
    b.send(acquire);
    expect(b.transitions.filter((t) => t.startsWith("open->half-open"))).toHaveLength(1);
  });
});

describe("breaker state machine: flapping", () => {
  it("a provider that fails every other trial is never retried more than once per window", () => {
    const b = breaker();
    b.send(fail());
    b.send(fail());
    let calls = 0;
    for (let cycle = 0; cycle < 5; cycle++) {
      // Requests every second during the window: none get through.
      for (let s = 0; s < 60; s++) {
        if (b.send(acquire).admitted) calls++;
        b.advance(1_000);
      }
      // The window is over: one trial, which fails (flap), then many more requests.
      for (let i = 0; i < 5; i++) if (b.send(acquire).admitted) calls++;
      b.send(fail());
    }
    expect(calls).toBe(5);
    expect(b.state.mode).toBe("open");
  });

  it("closed → open → half-open → closed → open again with a fresh count", () => {
    const b = breaker();
    b.send(fail());
    b.send(fail());
    b.advance(60_000);
    b.send(acquire);
    b.send(ok);
    b.send(fail());
    expect(b.state.mode).toBe("closed");
    b.send(fail());
    expect(b.state.mode).toBe("open");
    expect(b.transitions).toEqual(["closed->open:failures", "open->half-open:backoff-elapsed", "half-open->closed:success", "closed->open:failures"]);
  });

  it("probe failures keep refreshing an open window", () => {
    const b = breaker();
    b.send(fail());
    b.send(fail());
    for (let i = 0; i < 4; i++) {
      b.advance(30_000);
      b.send({ type: "failure", source: "probe", reason: "probe: connect" });
      expect(b.mode()).toBe("open");
    }
    expect(b.state.unhealthyUntil).toBe(b.now + 60_000);
  });
});

describe("breaker state machine: rate limits", () => {
  it("a 429 opens for its Retry-After without counting as a failure", () => {
    const b = breaker();
    b.send(fail());
    const r = b.send({ type: "rate-limited", source: "request", retryAfterS: 7 });
    expect(r.state).toMatchObject({ mode: "open", consecutiveFailures: 1, unhealthyUntil: T0 + 7_000, lastError: "rate-limited (retry after 7s)" });
    expect(r.transitions).toEqual([{ from: "closed", to: "open", at: T0, cause: "rate-limited", source: "request" }]);
    b.advance(7_000);
    expect(b.mode()).toBe("half-open");
  });

  it("defaults to 15 s when Retry-After is absent", () => {
    const b = breaker();
    b.send({ type: "rate-limited", source: "request" });
    expect(b.state.unhealthyUntil).toBe(T0 + 15_000);
    expect(b.state.consecutiveFailures).toBe(0);
  });

  it("bounds an absurd Retry-After, and never opens for less than a second", () => {
    expect(boundedRetryAfter(86_400, policy)).toBe(300);
    expect(boundedRetryAfter(0, policy)).toBe(1);
    expect(boundedRetryAfter(2.2, policy)).toBe(3);
    expect(boundedRetryAfter(Number.NaN, policy)).toBe(15);
  });

  it("a 429 while open never shortens a longer window", () => {
    const b = breaker();
    b.send(fail());
    b.send(fail());
    b.send({ type: "rate-limited", source: "request", retryAfterS: 5 });
    expect(b.state.unhealthyUntil).toBe(T0 + 60_000);
    b.send({ type: "rate-limited", source: "request", retryAfterS: 120 });
    expect(b.state.unhealthyUntil).toBe(T0 + 120_000);
  });

  it("a failure after a rate limit extends to the backoff and counts", () => {
    const b = breaker();
    b.send({ type: "rate-limited", source: "request", retryAfterS: 5 });
    b.send(fail());
    expect(b.state).toMatchObject({ mode: "open", consecutiveFailures: 1, unhealthyUntil: T0 + 60_000 });
  });

  it("a 429 on the half-open trial re-opens for the Retry-After", () => {
    const b = breaker();
    b.send({ type: "rate-limited", source: "request", retryAfterS: 10 });
    b.advance(10_000);
    expect(b.send(acquire).admitted).toBe(true);
    const r = b.send({ type: "rate-limited", source: "request", retryAfterS: 3 });
    expect(r.state).toMatchObject({ mode: "open", unhealthyUntil: b.now + 3_000, trialUntil: null });
    expect(r.transitions[0]).toMatchObject({ from: "half-open", to: "open", cause: "rate-limited" });
  });
});

describe("breaker state machine: probes and bookkeeping", () => {
  it("a 401 probe is alive but misconfigured; a clean probe clears it", () => {
    const b = breaker();
    b.send(fail());
    b.send(fail());
    const r = b.send({ type: "success", source: "probe", misconfigured: true, detail: "credentials rejected (HTTP 401)" });
    expect(r.state).toMatchObject({ mode: "closed", misconfigured: true, lastError: "credentials rejected (HTTP 401)", consecutiveFailures: 0 });
    b.send({ type: "success", source: "probe" });
    expect(b.state).toMatchObject({ misconfigured: false, lastError: null });
  });

  it("reset closes, forgets and records the transition", () => {
    const b = breaker();
    b.send(fail());
    b.send(fail());
    const r = b.send({ type: "reset", source: "operator" });
    expect(r.state).toMatchObject({ mode: "closed", consecutiveFailures: 0, unhealthyUntil: null, lastCheck: null });
    expect(r.transitions[0]).toMatchObject({ from: "open", to: "closed", cause: "reset" });
  });

  it("verdictOf sees time pass without changing the state", () => {
    const b = breaker();
    b.send(fail());
    b.send(fail());
    const before = structuredClone(b.state);
    expect(verdictOf(b.state, T0 + 60_000, policy).state).toBe("half-open");
    expect(verdictOf(b.state, T0 + 1, policy)).toEqual({ state: "open", admitted: false, unhealthyUntil: T0 + 60_000, trialUntil: null, consecutiveFailures: 2 });
    expect(b.state).toEqual(before);
  });

  it("never mutates its input", () => {
    const s = initialBreakerState();
    const frozen = Object.freeze(structuredClone(s));
    expect(() => step(frozen, fail(), T0, policy)).not.toThrow();
    expect(frozen).toEqual(s);
  });

  it("masks credential-shaped text and bounds error length", () => {
    expect(redactSecrets("HTTP 401: Incorrect API key provided: sk-groq-fake-secret.")).toBe("HTTP 401: Incorrect API key provided: [redacted].");
    expect(redactSecrets("sent Bearer abc.def")).toBe("sent Bearer [redacted]");
    expect(redactSecrets("x".repeat(500))).toHaveLength(200);
    expect(step(initialBreakerState(), fail("key AIzaSyA1234567890abcdef leaked"), T0, policy).state.lastError).toBe("key [redacted] leaked");
  });

  it("revives a stored state and starts over on garbage", () => {
    const b = breaker();
    b.send(fail());
    b.send(fail());
    expect(reviveBreakerState(JSON.parse(JSON.stringify(b.state)))).toEqual(b.state);
    expect(reviveBreakerState("nope")).toEqual(initialBreakerState());
    expect(reviveBreakerState({ mode: "sideways", consecutiveFailures: "2" })).toEqual(initialBreakerState());
  });

  it("policy comes from settings: backoff in seconds, trial TTL from the first-byte timeout", () => {
    expect(breakerPolicy({ breakerFailureThreshold: 1, breakerBackoffS: 5, firstByteTimeoutMs: 400 })).toEqual({
      failureThreshold: 1,
      backoffMs: 5_000,
      trialTtlMs: 5_400,
      rateLimitDefaultS: 15,
      rateLimitMaxS: 300,
    });
  });
});

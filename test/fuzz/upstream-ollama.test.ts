/** A hostile Ollama NDJSON upstream (test/fuzz/upstream.ts): garbage in, documented answers out. */
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import { expectHealthy, options, timeoutFor } from "./harness";
import { runUpstreamCase, upstreamCase } from "./upstream";

/** Of FUZZ_RUNS; the shares of all fuzz files add up to 1. */
const SHARE = 0.03;

afterAll(async () => {
  await expectHealthy();
});

describe("fuzz: a hostile Ollama NDJSON upstream", () => {
  it(
    "garbage frames, wrong types, deep nesting, huge frames, cuts",
    async () => {
      await fc.assert(
        fc.asyncProperty(upstreamCase("ollama"), (c) => runUpstreamCase("ollama", c)),
        options(SHARE),
      );
    },
    // A case here makes two fresh breakers and a fake call: slower than a client-side case.
    timeoutFor(SHARE * 4),
  );
});

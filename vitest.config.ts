import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Matches fakeKey() in test/fakes/openai-compatible.ts (not imported: the config loader wants no extension-less imports). */
const fakeKey = (provider: string) => `sk-${provider}-fake-secret`;

const bench = Boolean(process.env.BENCH);
const UNIT_IN_WORKERD = "test/unit/config-aliases.test.ts";

export default defineConfig({
  test: {
    testTimeout: 20_000,
    // Vitest's default on a 2-core machine is one file at a time (≈105 s here); the integration files mostly wait on
    // loopback sockets and workerd, so three at once keep both cores busy (≈52 s).
    maxWorkers: 3,
    // A fuzz run of 100,000 cases would otherwise hit the default hook timeout too.
    hookTimeout: 60_000,
    // The Worker logs a structured line per failure it handles; show them only for failing tests.
    silent: bench ? false : "passed-only",
    projects: [
      {
        extends: true,
        plugins: [
          cloudflareTest(({ inject }) => {
            const openai = inject("openaiFakeUrl");
            return {
              // The plugin runs workerd with --verbose by default, which logs every failed outbound connection as an
              // "uncaught exception … Network connection lost" trace even when the Worker catches it; the tests provoke
              // such failures on purpose (dead-* providers on port 1, the `close` fault). Real unhandled rejections still fail the run.
              verbose: false,
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  API_KEYS: "test-key,second-key",
                  ADMIN_API_KEYS: "admin-key",
                  CORS_ORIGINS: "https://app.example.com",
                  GROQ_BASE_URL: `${openai}/groq/v1`,
                  GROQ_API_KEY: fakeKey("groq"),
                  OPENROUTER_BASE_URL: `${openai}/openrouter/v1`,
                  OPENROUTER_API_KEY: fakeKey("openrouter"),
                  TOGETHER_BASE_URL: `${openai}/together/v1`,
                  TOGETHER_API_KEY: fakeKey("together"),
                  OPENAI_BASE_URL: `${openai}/openai/v1`,
                  OPENAI_API_KEY: fakeKey("openai"),
                  // Matches GEMINI_FAKE_KEY in test/fakes/gemini.ts.
                  GOOGLE_BASE_URL: `${inject("geminiFakeUrl")}/v1beta`,
                  GOOGLE_API_KEY: "goog-fake-secret",
                  OLLAMA_URL: inject("ollamaFakeUrl"),
                  // Short enough that a timeout test takes about a second, long enough that a healthy fake on a busy
                  // machine (another job, three test files at once) is never mistaken for a silent one.
                  FIRST_BYTE_TIMEOUT_MS: "1000",
                  STREAM_IDLE_TIMEOUT_MS: "1000",
                  REQUEST_TIMEOUT_MS: "8000",
                  // The fuzz suite's size, seed and replay path (test/fuzz/harness.ts); `npm run fuzz` sets FUZZ_RUNS=100000.
                  FUZZ_RUNS: process.env.FUZZ_RUNS ?? "",
                  FUZZ_SEED: process.env.FUZZ_SEED ?? "",
                  FUZZ_PATH: process.env.FUZZ_PATH ?? "",
                },
              },
            };
          }),
        ],
        test: {
          name: "workers",
          globalSetup: ["./test/global-setup.ts"],
          // `npm test` runs the tests; `npm run bench` (BENCH=1) runs the benchmarks in bench/.
          // config-aliases reads aliases.yaml through wrangler's Text module rule, so it stays here.
          include: bench ? ["bench/**/*.test.ts"] : ["test/integration/**/*.test.ts", "test/fuzz/**/*.test.ts", UNIT_IN_WORKERD],
        },
      },
      // The unit tests import only pure modules: plain Node runs them without a workerd per file (≈0.4 s each).
      // One module graph for all of them (isolate: false) halves their CPU; none mocks, stubs globals or fakes timers.
      ...(bench ? [] : [{ extends: true, test: { name: "unit", environment: "node", isolate: false, include: ["test/unit/**/*.test.ts"], exclude: [UNIT_IN_WORKERD] } }]),
    ],
  },
});

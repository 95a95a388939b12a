import { describe, expect, it } from "vitest";
import { ConfigError, parseAliasesYaml } from "../../src/config/aliases";
import { loadProviders, loadSettings } from "../../src/config/settings";

/**
 * The thrown ConfigError; fails the test when nothing is thrown. config/ speaks no HTTP:
 * app.onError renders every ConfigError as the 500 `invalid_configuration` envelope
 * ("Router misconfigured: …"), which test/integration/auth.test.ts checks through the Worker.
 */
function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError, but nothing was thrown");
}

const CONFIG = parseAliasesYaml(
  [
    "aliases:",
    "  mana/fast:",
    "    description: Fast",
    "    chain: [ollama/a, lmstudio/b]",
    "default: mana/fast",
    "providers:",
    '  lmstudio: {kind: openai, base_url: "http://127.0.0.1:1234/v1", api_key_env: LMSTUDIO_API_KEY}',
    '  gpu2: {kind: ollama, base_url: "http://10.0.0.2:11434/", max_concurrent: 2}',
    '  gem: {kind: gemini, base_url: "https://gemini.example/v1beta", api_key_env: GEM_KEY}',
  ].join("\n"),
);
const NO_EXTRAS = parseAliasesYaml("aliases:\n  mana/fast: {description: Fast, chain: [ollama/a]}\ndefault: mana/fast\n");

describe("loadSettings", () => {
  it("uses the documented defaults when nothing is set", () => {
    expect(loadSettings({})).toEqual({
      breakerFailureThreshold: 2,
      breakerBackoffS: 60,
      breakerCacheMs: 1000,
      probeIntervalS: 30,
      probeTimeoutMs: 3000,
      firstByteTimeoutMs: 10_000,
      streamIdleTimeoutMs: 30_000,
      requestTimeoutMs: 120_000,
      maxBodyBytes: 20 * 1024 * 1024,
      ollamaMaxConcurrent: 3,
      ollamaLoadTimeoutMs: 120_000,
      defaultProvider: "ollama",
      corsOrigins: [],
      allowOpenAccess: false,
      apiKeys: [],
      adminKeys: [],
    });
  });

  it("reads every value it is given", () => {
    const s = loadSettings({
      BREAKER_FAILURE_THRESHOLD: "3",
      BREAKER_BACKOFF_S: " 90 ",
      BREAKER_CACHE_MS: "0",
      PROBE_INTERVAL_S: "60",
      PROBE_TIMEOUT_MS: "1500",
      FIRST_BYTE_TIMEOUT_MS: "400",
      STREAM_IDLE_TIMEOUT_MS: "500",
      REQUEST_TIMEOUT_MS: "8000",
      MAX_BODY_BYTES: "1024",
      OLLAMA_MAX_CONCURRENT: "0",
      OLLAMA_LOAD_TIMEOUT_MS: "60000",
      DEFAULT_PROVIDER: "groq",
      CORS_ORIGINS: "https://a.example, https://b.example,",
      ALLOW_OPEN_ACCESS: "TRUE",
      API_KEYS: " k1 ,k2,,",
      ADMIN_API_KEYS: "root",
    });
    expect(s).toMatchObject({
      breakerFailureThreshold: 3,
      breakerBackoffS: 90,
      breakerCacheMs: 0,
      probeIntervalS: 60,
      probeTimeoutMs: 1500,
      firstByteTimeoutMs: 400,
      streamIdleTimeoutMs: 500,
      requestTimeoutMs: 8000,
      maxBodyBytes: 1024,
      ollamaMaxConcurrent: 0,
      ollamaLoadTimeoutMs: 60_000,
      defaultProvider: "groq",
      corsOrigins: ["https://a.example", "https://b.example"],
      allowOpenAccess: true,
      apiKeys: ["k1", "k2"],
      adminKeys: ["root"],
    });
  });

  it('treats an empty value as unset (wrangler.toml ships CORS_ORIGINS = "")', () => {
    expect(loadSettings({ BREAKER_BACKOFF_S: "", CORS_ORIGINS: "" })).toMatchObject({ breakerBackoffS: 60, corsOrigins: [] });
  });

  it.each([
    ["BREAKER_BACKOFF_S", "abc", /whole number/],
    ["BREAKER_FAILURE_THRESHOLD", "0", /at least 1/],
    ["BREAKER_FAILURE_THRESHOLD", "1.5", /whole number/],
    ["PROBE_INTERVAL_S", "61", /at most 60/],
    ["REQUEST_TIMEOUT_MS", "-5", /whole number/],
    ["MAX_BODY_BYTES", "20MiB", /whole number/],
    ["FIRST_BYTE_TIMEOUT_MS", "1e4", /whole number/],
    ["OLLAMA_MAX_CONCURRENT", "-1", /whole number/],
    ["OLLAMA_MAX_CONCURRENT", "1001", /at most 1000/],
    ["OLLAMA_LOAD_TIMEOUT_MS", "0", /at least 1/],
  ])("%s=%s is a ConfigError naming the variable, never a silent default", (name, value, why) => {
    const err = thrown(() => loadSettings({ [name]: value }));
    expect(err.message).toContain(`${name}="${value}"`);
    expect(err.message).toMatch(why);
  });

  it("ALLOW_OPEN_ACCESS accepts only true or false", () => {
    const err = thrown(() => loadSettings({ ALLOW_OPEN_ACCESS: "yes" }));
    expect(err.message).toContain("ALLOW_OPEN_ACCESS");
    expect(loadSettings({ ALLOW_OPEN_ACCESS: "false" }).allowOpenAccess).toBe(false);
  });

  it("ignores bindings that are not strings (a Durable Object namespace is not a setting)", () => {
    expect(loadSettings({ BREAKER_BACKOFF_S: { idFromName() {} } }).breakerBackoffS).toBe(60);
  });
});

describe("loadProviders", () => {
  it("knows every built-in provider with its default base URL", () => {
    const providers = loadProviders({}, NO_EXTRAS);
    expect(Object.fromEntries([...providers].map(([name, p]) => [name, [p.kind, p.baseUrl]]))).toEqual({
      ollama: ["ollama", "http://127.0.0.1:11434"],
      google: ["gemini", "https://generativelanguage.googleapis.com/v1beta"],
      groq: ["openai", "https://api.groq.com/openai/v1"],
      openrouter: ["openai", "https://openrouter.ai/api/v1"],
      together: ["openai", "https://api.together.xyz/v1"],
      openai: ["openai", "https://api.openai.com/v1"],
    });
  });

  it("configures a keyed provider iff its key is set; Ollama always", () => {
    const none = loadProviders({}, NO_EXTRAS);
    expect([...none.values()].filter((p) => p.configured).map((p) => p.name)).toEqual(["ollama"]);

    const some = loadProviders({ GROQ_API_KEY: "gk", GOOGLE_API_KEY: "ggl", OPENAI_API_KEY: "  " }, NO_EXTRAS);
    expect(
      [...some.values()]
        .filter((p) => p.configured)
        .map((p) => p.name)
        .sort(),
    ).toEqual(["google", "groq", "ollama"]);
    expect(some.get("groq")!.apiKey).toBe("gk");
    expect(some.get("openai")!.apiKey).toBeUndefined();
  });

  it("takes base URLs from their variables, without a trailing slash", () => {
    const providers = loadProviders({ OLLAMA_URL: "https://gpu.example.com/", GROQ_BASE_URL: "http://127.0.0.1:9/groq/v1//" }, NO_EXTRAS);
    expect(providers.get("ollama")!.baseUrl).toBe("https://gpu.example.com");
    expect(providers.get("groq")!.baseUrl).toBe("http://127.0.0.1:9/groq/v1");
  });

  it.each([
    ["OLLAMA_URL", "gpu.example.com:11434"],
    ["OPENAI_BASE_URL", "ftp://api.openai.com/v1"],
  ])("an invalid %s is a ConfigError naming the variable", (name, value) => {
    const err = thrown(() => loadProviders({ [name]: value }, NO_EXTRAS));
    expect(err.message).toContain(`${name}="${value}"`);
    expect(err.message).toMatch(/http\(s\) URL/);
  });

  it("sends the Cloudflare Access headers to Ollama only when id and secret are both set", () => {
    expect(loadProviders({}, NO_EXTRAS).get("ollama")!.headers).toEqual({});
    const both = loadProviders({ OLLAMA_ACCESS_CLIENT_ID: "id.access", OLLAMA_ACCESS_CLIENT_SECRET: "s3cret" }, NO_EXTRAS);
    expect(both.get("ollama")!.headers).toEqual({ "CF-Access-Client-Id": "id.access", "CF-Access-Client-Secret": "s3cret" });
    // Never on another provider.
    expect(both.get("groq")!.headers).toEqual({});
  });

  it.each(["OLLAMA_ACCESS_CLIENT_ID", "OLLAMA_ACCESS_CLIENT_SECRET"])("only %s set is an error, not a tunnel call without it", (name) => {
    const err = thrown(() => loadProviders({ [name]: "value" }, NO_EXTRAS));
    expect(err.message).toMatch(/OLLAMA_ACCESS_CLIENT_ID and OLLAMA_ACCESS_CLIENT_SECRET must be set together/);
  });

  it("limits the built-in Ollama by OLLAMA_MAX_CONCURRENT (default 3, 0 = no limit); the cloud providers are unlimited", () => {
    const providers = loadProviders({}, NO_EXTRAS);
    expect(providers.get("ollama")!.maxConcurrent).toBe(3);
    expect([...providers.values()].filter((p) => p.maxConcurrent !== undefined).map((p) => p.name)).toEqual(["ollama"]);
    expect(loadProviders({ OLLAMA_MAX_CONCURRENT: "8" }, NO_EXTRAS).get("ollama")!.maxConcurrent).toBe(8);
    expect(loadProviders({ OLLAMA_MAX_CONCURRENT: "0" }, NO_EXTRAS).get("ollama")!.maxConcurrent).toBeUndefined();
    expect(thrown(() => loadProviders({ OLLAMA_MAX_CONCURRENT: "many" }, NO_EXTRAS)).message).toContain('OLLAMA_MAX_CONCURRENT="many"');
  });

  it("passes OLLAMA_API_KEY through when set, without making it required", () => {
    expect(loadProviders({ OLLAMA_API_KEY: "ok" }, NO_EXTRAS).get("ollama")).toMatchObject({ apiKey: "ok", configured: true });
  });

  it("adds the providers declared in the config, configured iff their key variable is set", () => {
    const without = loadProviders({}, CONFIG);
    expect(without.get("lmstudio")).toEqual({
      name: "lmstudio",
      kind: "openai",
      baseUrl: "http://127.0.0.1:1234/v1",
      apiKey: undefined,
      configured: false,
      headers: {},
      prefill: false,
    });
    expect(without.get("gem")).toMatchObject({ kind: "gemini", configured: false });
    // An Ollama-kind endpoint needs no key.
    expect(without.get("gpu2")).toMatchObject({ kind: "ollama", baseUrl: "http://10.0.0.2:11434", configured: true, maxConcurrent: 2 });

    const withKeys = loadProviders({ LMSTUDIO_API_KEY: "lm", GEM_KEY: "gm" }, CONFIG);
    expect(withKeys.get("lmstudio")).toMatchObject({ apiKey: "lm", configured: true });
    expect(withKeys.get("gem")).toMatchObject({ apiKey: "gm", configured: true });
    expect(withKeys.size).toBe(9);
  });

  it("declares prefill capability, never guesses it: built-in Ollama yes, the others only with <NAME>_PREFILL=true", () => {
    const prefill = (env: Record<string, string>) => Object.fromEntries([...loadProviders(env, NO_EXTRAS)].filter(([, p]) => p.prefill).map(([name]) => [name, true]));
    expect(prefill({})).toEqual({ ollama: true });
    expect(prefill({ GROQ_PREFILL: "true", OPENAI_PREFILL: "false", OLLAMA_PREFILL: "FALSE" })).toEqual({ groq: true });
    const err = thrown(() => loadProviders({ GROQ_PREFILL: "yes" }, NO_EXTRAS));
    expect(err.message).toBe('GROQ_PREFILL="yes" must be true or false');
  });
});

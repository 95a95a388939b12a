/**
 * Settings from the Worker environment, validated with zod. An invalid value is an error
 * naming the variable — never a silent default.
 */
import { z } from "zod";
import { ApiError } from "../openai/errors";
import { BUILTIN_PROVIDERS, type RouterConfig } from "./aliases";
import type { ProviderConfig } from "../providers/types";

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const TUNING = {
  BREAKER_FAILURE_THRESHOLD: { schema: int(1, 100), default: "2" },
  BREAKER_BACKOFF_S: { schema: int(1, 86_400), default: "60" },
  BREAKER_CACHE_MS: { schema: int(0, 60_000), default: "1000" },
  PROBE_INTERVAL_S: { schema: int(1, 60), default: "30" },
  PROBE_TIMEOUT_MS: { schema: int(1, 60_000), default: "3000" },
  FIRST_BYTE_TIMEOUT_MS: { schema: int(1, 600_000), default: "10000" },
  STREAM_IDLE_TIMEOUT_MS: { schema: int(1, 600_000), default: "30000" },
  REQUEST_TIMEOUT_MS: { schema: int(1, 3_600_000), default: "120000" },
  MAX_BODY_BYTES: { schema: int(1, 100 * 1024 * 1024), default: String(20 * 1024 * 1024) },
} as const;

type TuningName = keyof typeof TUNING;

export interface Settings {
  breakerFailureThreshold: number;
  breakerBackoffS: number;
  breakerCacheMs: number;
  probeIntervalS: number;
  probeTimeoutMs: number;
  firstByteTimeoutMs: number;
  streamIdleTimeoutMs: number;
  requestTimeoutMs: number;
  maxBodyBytes: number;
  defaultProvider: string;
  corsOrigins: string[];
  allowOpenAccess: boolean;
  apiKeys: string[];
  adminKeys: string[];
}

/** The environment seen as plain strings: secrets are not in the generated Env type. */
export type EnvStrings = Readonly<Record<string, unknown>>;

export function envString(env: EnvStrings, name: string): string | undefined {
  const v = env[name];
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t === "" ? undefined : t;
}

const list = (v: string | undefined) => (v ?? "").split(",").map((s) => s.trim()).filter(Boolean);

export function loadSettings(env: EnvStrings): Settings {
  const tuning = {} as Record<TuningName, number>;
  for (const [name, spec] of Object.entries(TUNING) as [TuningName, (typeof TUNING)[TuningName]][]) {
    const raw = envString(env, name) ?? spec.default;
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) throw misconfigured(`${name}=${JSON.stringify(raw)} ${parsed.error.issues[0]!.message}`);
    tuning[name] = parsed.data;
  }
  const open = (envString(env, "ALLOW_OPEN_ACCESS") ?? "false").toLowerCase();
  if (open !== "true" && open !== "false") throw misconfigured(`ALLOW_OPEN_ACCESS=${JSON.stringify(open)} must be true or false`);
  const defaultProvider = envString(env, "DEFAULT_PROVIDER") ?? "ollama";
  return {
    breakerFailureThreshold: tuning.BREAKER_FAILURE_THRESHOLD,
    breakerBackoffS: tuning.BREAKER_BACKOFF_S,
    breakerCacheMs: tuning.BREAKER_CACHE_MS,
    probeIntervalS: tuning.PROBE_INTERVAL_S,
    probeTimeoutMs: tuning.PROBE_TIMEOUT_MS,
    firstByteTimeoutMs: tuning.FIRST_BYTE_TIMEOUT_MS,
    streamIdleTimeoutMs: tuning.STREAM_IDLE_TIMEOUT_MS,
    requestTimeoutMs: tuning.REQUEST_TIMEOUT_MS,
    maxBodyBytes: tuning.MAX_BODY_BYTES,
    defaultProvider,
    corsOrigins: list(envString(env, "CORS_ORIGINS")),
    allowOpenAccess: open === "true",
    apiKeys: list(envString(env, "API_KEYS")),
    adminKeys: list(envString(env, "ADMIN_API_KEYS")),
  };
}

/** Built-in provider env var names (DESIGN.md § Configuration). */
const BUILTIN_ENV: Record<string, { url: string; defaultUrl: string; key?: string }> = {
  ollama: { url: "OLLAMA_URL", defaultUrl: "http://127.0.0.1:11434" },
  google: { url: "GOOGLE_BASE_URL", defaultUrl: "https://generativelanguage.googleapis.com/v1beta", key: "GOOGLE_API_KEY" },
  groq: { url: "GROQ_BASE_URL", defaultUrl: "https://api.groq.com/openai/v1", key: "GROQ_API_KEY" },
  openrouter: { url: "OPENROUTER_BASE_URL", defaultUrl: "https://openrouter.ai/api/v1", key: "OPENROUTER_API_KEY" },
  together: { url: "TOGETHER_BASE_URL", defaultUrl: "https://api.together.xyz/v1", key: "TOGETHER_API_KEY" },
  openai: { url: "OPENAI_BASE_URL", defaultUrl: "https://api.openai.com/v1", key: "OPENAI_API_KEY" },
};

/** Every provider this deployment knows: the built-ins plus those declared in aliases.yaml. */
export function loadProviders(env: EnvStrings, config: RouterConfig): ReadonlyMap<string, ProviderConfig> {
  const out = new Map<string, ProviderConfig>();
  for (const [name, kind] of Object.entries(BUILTIN_PROVIDERS)) {
    const spec = BUILTIN_ENV[name]!;
    const baseUrl = checkUrl(spec.url, envString(env, spec.url) ?? spec.defaultUrl);
    if (kind === "ollama") {
      const headers: Record<string, string> = {};
      const id = envString(env, "OLLAMA_ACCESS_CLIENT_ID");
      const secret = envString(env, "OLLAMA_ACCESS_CLIENT_SECRET");
      if ((id === undefined) !== (secret === undefined))
        throw misconfigured("OLLAMA_ACCESS_CLIENT_ID and OLLAMA_ACCESS_CLIENT_SECRET must be set together");
      if (id && secret) {
        headers["CF-Access-Client-Id"] = id;
        headers["CF-Access-Client-Secret"] = secret;
      }
      out.set(name, { name, kind, baseUrl, apiKey: envString(env, "OLLAMA_API_KEY"), configured: true, headers });
    } else {
      const apiKey = envString(env, spec.key!);
      out.set(name, { name, kind, baseUrl, apiKey, configured: apiKey !== undefined, headers: {} });
    }
  }
  for (const p of config.providers.values()) {
    const apiKey = p.apiKeyEnv ? envString(env, p.apiKeyEnv) : undefined;
    out.set(p.name, { name: p.name, kind: p.kind, baseUrl: p.baseUrl, apiKey, configured: p.kind === "ollama" || apiKey !== undefined, headers: {} });
  }
  return out;
}

function checkUrl(name: string, value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error();
  } catch {
    throw misconfigured(`${name}=${JSON.stringify(value)} must be an http(s) URL`);
  }
  return value.replace(/\/+$/, "");
}

function misconfigured(detail: string): ApiError {
  return new ApiError(500, `Router misconfigured: ${detail}`, { type: "server_error", code: "invalid_configuration" });
}

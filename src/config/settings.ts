/**
 * Settings from the Worker environment, validated with zod. An invalid value is an error
 * naming the variable — never a silent default.
 */
import * as z from "zod/mini";
import "../lib/zod-locale";
import { envString, type EnvStrings } from "../lib/env";
import { BUILTIN_PROVIDERS, prefillVar } from "../providers/builtins";
import type { ProviderConfig } from "../providers/types";
import { ConfigError, type RouterConfig } from "./aliases";

const digits = z.pipe(z.string().check(z.trim(), z.regex(/^\d+$/, "must be a whole number")), z.transform(Number));
const int = (min: number, max: number) => z.pipe(digits, z.int().check(z.gte(min, `must be at least ${min}`), z.lte(max, `must be at most ${max}`)));

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
  // 0 lifts the limit (no lease round trip); otherwise generations the GPU serves at once.
  OLLAMA_MAX_CONCURRENT: { schema: int(0, 1_000), default: "3" },
  OLLAMA_LOAD_TIMEOUT_MS: { schema: int(1, 3_600_000), default: "120000" },
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
  /** The built-in Ollama's max_concurrent (0: unlimited). */
  ollamaMaxConcurrent: number;
  /** First-byte budget of a cold Ollama model that is the last entry left, and the warm-up's bound. */
  ollamaLoadTimeoutMs: number;
  defaultProvider: string;
  corsOrigins: string[];
  allowOpenAccess: boolean;
  apiKeys: string[];
  adminKeys: string[];
}

const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function tuningValue(env: EnvStrings, name: TuningName): number {
  const spec = TUNING[name];
  const raw = envString(env, name) ?? spec.default;
  const parsed = spec.schema.safeParse(raw);
  if (!parsed.success) throw misconfigured(`${name}=${JSON.stringify(raw)} ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

export function loadSettings(env: EnvStrings): Settings {
  const tuning = {} as Record<TuningName, number>;
  for (const name of Object.keys(TUNING) as TuningName[]) tuning[name] = tuningValue(env, name);
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
    ollamaMaxConcurrent: tuning.OLLAMA_MAX_CONCURRENT,
    ollamaLoadTimeoutMs: tuning.OLLAMA_LOAD_TIMEOUT_MS,
    defaultProvider,
    corsOrigins: list(envString(env, "CORS_ORIGINS")),
    allowOpenAccess: open === "true",
    apiKeys: list(envString(env, "API_KEYS")),
    adminKeys: list(envString(env, "ADMIN_API_KEYS")),
  };
}

/** The built-in providers, from their variables (DESIGN.md § Configuration). Depends on `env` only. */
export function builtinProviders(env: EnvStrings): ReadonlyMap<string, ProviderConfig> {
  const out = new Map<string, ProviderConfig>();
  for (const spec of Object.values(BUILTIN_PROVIDERS)) {
    const baseUrl = checkUrl(spec.urlVar, envString(env, spec.urlVar) ?? spec.defaultUrl);
    const apiKey = envString(env, spec.keyVar);
    const limit = spec.maxConcurrentVar ? tuningValue(env, spec.maxConcurrentVar) : 0;
    out.set(spec.name, {
      name: spec.name,
      kind: spec.kind,
      baseUrl,
      apiKey,
      configured: spec.kind === "ollama" || apiKey !== undefined,
      headers: extraHeaders(env, spec.headerVars),
      ...(limit > 0 ? { maxConcurrent: limit } : {}),
      prefill: flag(env, prefillVar(spec), spec.prefill === true),
    });
  }
  return out;
}

/** The built-ins plus the providers `config` declares (their keys from `env`). */
export function withDeclaredProviders(env: EnvStrings, builtins: ReadonlyMap<string, ProviderConfig>, config: RouterConfig): ReadonlyMap<string, ProviderConfig> {
  if (config.providers.size === 0) return builtins;
  const out = new Map(builtins);
  for (const p of config.providers.values()) {
    const apiKey = p.apiKeyEnv ? envString(env, p.apiKeyEnv) : undefined;
    out.set(p.name, {
      name: p.name,
      kind: p.kind,
      baseUrl: p.baseUrl,
      apiKey,
      configured: p.kind === "ollama" || apiKey !== undefined,
      headers: {},
      prefill: p.prefill,
      ...(p.maxConcurrent ? { maxConcurrent: p.maxConcurrent } : {}),
    });
  }
  return out;
}

/** Every provider this deployment knows: the built-ins plus those declared in aliases.yaml. */
export function loadProviders(env: EnvStrings, config: RouterConfig): ReadonlyMap<string, ProviderConfig> {
  return withDeclaredProviders(env, builtinProviders(env), config);
}

/** All of a provider's header variables, or none: half a credential is a misconfiguration. */
function extraHeaders(env: EnvStrings, vars: Readonly<Record<string, string>> = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  const entries = Object.entries(vars);
  for (const [header, name] of entries) {
    const value = envString(env, name);
    if (value !== undefined) headers[header] = value;
  }
  const set = Object.keys(headers).length;
  if (set > 0 && set < entries.length) throw misconfigured(`${entries.map(([, name]) => name).join(" and ")} must be set together`);
  return headers;
}

function flag(env: EnvStrings, name: string, fallback: boolean): boolean {
  const raw = envString(env, name);
  if (raw === undefined) return fallback;
  const v = raw.trim().toLowerCase();
  if (v !== "true" && v !== "false") throw misconfigured(`${name}=${JSON.stringify(raw)} must be true or false`);
  return v === "true";
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

/** Rendered by the app as a 500 `invalid_configuration` ("Router misconfigured: …"). */
function misconfigured(detail: string): ConfigError {
  return new ConfigError(detail);
}

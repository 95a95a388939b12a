/**
 * The contract every provider adapter implements. Adapters translate; they never decide
 * fallback, retries or timeouts — the chain walk (routing/) does, from the typed failures
 * adapters throw.
 */
import type { ChatRequest, EmbeddingsRequest } from "../openai/schemas";
import type { ChatChunk, EmbeddingsResult, ModelInfo } from "../openai/responses";

export type ProviderKind = "openai" | "ollama" | "gemini";

/** One provider as configured in this deployment (settings + aliases.yaml `providers:`). */
export interface ProviderConfig {
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  /** The secret, if any. Never logged, never rendered. */
  apiKey?: string;
  /** A provider is configured when its key is present (Ollama needs none). */
  configured: boolean;
  /** Extra request headers (e.g. Cloudflare Access service token for a tunnelled Ollama). Secret too. */
  headers: Record<string, string>;
  /** Requests in flight at once across isolates (leases in its Durable Object); unset: unlimited. */
  maxConcurrent?: number;
  /** Declared able to continue a trailing assistant message (DESIGN.md § Mid-stream resume). */
  prefill: boolean;
}

export interface ChatCall {
  provider: ProviderConfig;
  /** The model id without the `provider/` prefix. */
  model: string;
  request: ChatRequest;
  /** Aborted on client disconnect or any router timeout; its `reason` is an UpstreamError. */
  signal: AbortSignal;
  /** A malformed event was skipped: the router logs and counts it. */
  onMalformed(detail: string): void;
}

export interface EmbedCall {
  provider: ProviderConfig;
  model: string;
  request: EmbeddingsRequest;
  /** Inputs normalised to a list (token arrays are passed through untouched where supported). */
  inputs: string[] | number[][];
  signal: AbortSignal;
}

export interface ProbeResult {
  /** The server answered below 500. */
  alive: boolean;
  status?: number;
  /** Answered 401/403: alive, but our credentials are wrong. */
  misconfigured?: boolean;
  /** Short, secret-free description for /v1/health. */
  error?: string;
}

/** Chunks in order, as one read of the upstream body made them (never empty). */
export type ChunkBatch = readonly ChatChunk[];

export interface ProviderAdapter {
  readonly kind: ProviderKind;
  /** Why this entry cannot serve the request (tools, image URLs …), or undefined. Pure, no I/O. */
  incapable(request: ChatRequest, model: string): string | undefined;
  /**
   * Starts the upstream call. Resolves once the upstream accepted it (2xx headers); the
   * iterable yields OpenAI chunks in order, in non-empty batches (what one read of the body
   * made), and ends when the upstream stream ends. Throws / yields UpstreamError for every failure.
   */
  chat(call: ChatCall): Promise<AsyncIterable<ChunkBatch>>;
  embed(call: EmbedCall): Promise<EmbeddingsResult>;
  listModels(provider: ProviderConfig, signal: AbortSignal): Promise<ModelInfo[]>;
  probe(provider: ProviderConfig, signal: AbortSignal): Promise<ProbeResult>;
  /** Kinds that load models on demand (Ollama): the models in memory now, or null when it cannot tell. */
  loadedModels?(provider: ProviderConfig, signal: AbortSignal): Promise<string[] | null>;
  /** Loads `model` without generating; resolves true once it is in memory. */
  warm?(provider: ProviderConfig, model: string, signal: AbortSignal): Promise<boolean>;
}

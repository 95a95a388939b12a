/**
 * Ollama's native wire format (`/api/chat`, `/api/embed`, `/api/tags`). Request shapes are
 * what we send; response schemas are loose (`z.looseObject`) so fields added by newer
 * Ollama releases never turn a good line into a malformed one.
 */
import * as z from "zod/mini";

interface OllamaToolCall {
  /** Newer Ollama releases name their calls; older ones do not. */
  id?: string;
  function: { name: string; arguments: Record<string, unknown> };
}

export interface OllamaMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Base64 image data, no `data:` prefix. */
  images?: string[];
  tool_calls?: OllamaToolCall[];
  /** On a `tool` message: the function whose result this is. */
  tool_name?: string;
}

export interface OllamaOptions {
  temperature?: number;
  top_p?: number;
  num_predict?: number;
  stop?: string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
}

export interface OllamaTool {
  type: "function";
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface OllamaChatRequest {
  model: string;
  messages: OllamaMessage[];
  /** Always streamed: the router aggregates non-streaming answers itself. */
  stream: true;
  options?: OllamaOptions;
  /** `"json"` for any JSON, or a JSON schema the output must follow. */
  format?: "json" | Record<string, unknown>;
  tools?: OllamaTool[];
  keep_alive?: string | number;
}

export interface OllamaEmbedRequest {
  model: string;
  input: string[];
  /** false: an over-long input is an error, as with OpenAI, instead of being cut silently. */
  truncate: false;
  dimensions?: number;
}

const optionalString = z.optional(z.string());
const nonEmpty = z.string().check(z.minLength(1));
const tokenCount = z.optional(z.int().check(z.nonnegative()));

const toolCallSchema = z.looseObject({
  id: optionalString,
  function: z.looseObject({
    name: nonEmpty,
    arguments: z.optional(z.union([z.record(z.string(), z.unknown()), z.string()])),
  }),
});

/** One NDJSON line of a `/api/chat` stream (or the single object of a non-streamed answer). */
export const chatLineSchema = z.looseObject({
  model: optionalString,
  message: z.optional(
    z.looseObject({
      role: optionalString,
      content: optionalString,
      thinking: optionalString,
      tool_calls: z.optional(z.nullable(z.array(toolCallSchema))),
    }),
  ),
  done: z.boolean(),
  done_reason: optionalString,
  prompt_eval_count: tokenCount,
  eval_count: tokenCount,
});

export type OllamaChatLine = z.infer<typeof chatLineSchema>;

export const embedResponseSchema = z.looseObject({
  embeddings: z.array(z.array(z.number())),
  prompt_eval_count: tokenCount,
});

export const tagsResponseSchema = z.looseObject({
  models: z.array(
    z.looseObject({
      name: nonEmpty,
      modified_at: optionalString,
    }),
  ),
});

/** `/api/ps`: the models in memory (at most a few on one GPU; the cap bounds a hostile answer). */
export const psResponseSchema = z.looseObject({
  models: z
    .array(
      z.looseObject({
        name: z.optional(nonEmpty),
        model: z.optional(nonEmpty),
      }),
    )
    .check(z.maxLength(256)),
});

/** Ollama reports every error as `{"error": "<text>"}`, on HTTP errors and inside streams. */
const errorBodySchema = z.looseObject({ error: z.union([z.string(), z.looseObject({ message: z.string() })]) });

export function errorText(body: unknown): string | undefined {
  const r = errorBodySchema.safeParse(body);
  if (!r.success) return undefined;
  return typeof r.data.error === "string" ? r.data.error : r.data.error.message;
}

/**
 * The OpenAI-compatible wire format, as far as the router reads it. Loose schemas
 * (`z.looseObject`): fields a host adds are kept and passed through as sent; only what the
 * router relies on is typed. A payload that does not fit is `malformed`.
 */
import * as z from "zod/mini";

/** A string or number field read as text; anything else (null, "", objects) counts as absent: hosts vary. */
const text = z.pipe(
  z.optional(z.unknown()),
  z.transform((v: unknown) => (typeof v === "string" && v.length > 0 ? v : typeof v === "number" ? String(v) : undefined)),
);

/**
 * `z.catch(schema, value)`, built directly: `z.catch` reaches zod's util through a nested
 * namespace (`core.util.constantCatch`), which keeps every util helper (≈8 KB minified) in the bundle.
 */
const orElse = <T extends z.ZodMiniType>(schema: T, value: z.output<T>) => new z.ZodMiniCatch({ type: "catch", innerType: schema, catchValue: () => value }) as z.ZodMiniCatch<T>;

/** Hosts send `null` for an absent field; the router's types say absent. */
const nullable = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(
    z.nullish(schema),
    z.transform((v: z.output<T> | null | undefined) => v ?? undefined),
  );

// ---- errors ----

/** The `error` object of an error response, or of an error event inside a stream. */
const errorObjectSchema = z.looseObject({ message: text, type: text, code: text, param: text });

/** `{"error": {…}}`, `{"error": "text"}` or `{"message": "text"}`: hosts differ. */
export const errorBodySchema = z.looseObject({
  error: orElse(z.optional(z.union([z.string(), errorObjectSchema])), undefined),
  message: text,
});

export const streamErrorSchema = z.union([z.string(), errorObjectSchema]);

// ---- chat stream ----

const usageSchema = z.looseObject({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() });

const toolCallDeltaSchema = z.looseObject({
  index: z.number(),
  id: nullable(z.string()),
  type: nullable(z.literal("function")),
  function: nullable(z.looseObject({ name: nullable(z.string()), arguments: nullable(z.string()) })),
  extra_content: nullable(z.record(z.string(), z.unknown())),
});

const deltaSchema = z.looseObject({
  role: nullable(z.literal("assistant")),
  content: z.nullish(z.string()),
  tool_calls: nullable(z.array(toolCallDeltaSchema)),
  reasoning: nullable(z.string()),
});

const choiceSchema = z.looseObject({
  // The router never asks for n > 1, so a host that leaves the index out means choice 0.
  index: z._default(z.number(), 0),
  delta: z.nullish(deltaSchema),
  finish_reason: z.nullish(z.string()),
});

/** One `chat.completion.chunk` event (an `error` event is told apart before this is read). */
export const chunkSchema = z.looseObject({
  id: z.string(),
  // Hosts agree on the shape, not always on this label: it is ours to set.
  object: z.pipe(
    z.string(),
    z.transform((): "chat.completion.chunk" => "chat.completion.chunk"),
  ),
  created: z.number(),
  model: z.string(),
  choices: z.array(choiceSchema),
  usage: z.nullish(usageSchema),
  system_fingerprint: nullable(z.string()),
});

export type WireChunk = z.output<typeof chunkSchema>;

// ---- embeddings and models ----

export const embeddingsResponseSchema = z.looseObject({
  data: z.array(z.looseObject({ index: z.nullish(z.number()), embedding: z.array(z.number()) })),
  // Usage only informs; an unreadable one counts as none rather than sinking the vectors.
  usage: orElse(z.nullish(z.looseObject({ prompt_tokens: z.nullish(z.number()), total_tokens: z.nullish(z.number()) })), undefined),
});

export const modelsListSchema = z.looseObject({ data: z.array(z.unknown()) });

/** One entry of `GET /models`; entries without a string id are skipped, not fatal. */
export const modelEntrySchema = z.looseObject({ id: z.string(), created: orElse(z.number(), 0) });

/**
 * The Gemini REST wire format (v1beta), as far as the router reads or writes it.
 * Foreign payloads are parsed with loose zod schemas: unknown fields are kept, so a new
 * field Google adds never turns a good answer into a "malformed" one.
 */
import * as z from "zod/mini";

// ---- request side (we build these; plain types suffice) ----

export interface GeminiPart {
  text?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: { name: string; args: Record<string, unknown>; id?: string };
  functionResponse?: { name: string; response: Record<string, unknown>; id?: string };
  /** Sits next to the functionCall it signs (Gemini 3). Opaque; returned verbatim. */
  thoughtSignature?: string;
}

export interface GeminiContent {
  role: "user" | "model";
  parts: GeminiPart[];
}

/** The subset of OpenAPI 3.0 Schema that Gemini accepts (Schema in the REST reference). */
export interface GeminiSchema {
  type?: "STRING" | "NUMBER" | "INTEGER" | "BOOLEAN" | "ARRAY" | "OBJECT";
  format?: string;
  title?: string;
  description?: string;
  nullable?: boolean;
  enum?: string[];
  items?: GeminiSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, GeminiSchema>;
  required?: string[];
  propertyOrdering?: string[];
  minProperties?: number;
  maxProperties?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  anyOf?: GeminiSchema[];
  default?: unknown;
  example?: unknown;
}

interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parameters?: GeminiSchema;
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  candidateCount?: number;
  responseMimeType?: string;
  responseSchema?: GeminiSchema;
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>;
  toolConfig?: { functionCallingConfig: { mode: "AUTO" | "ANY" | "NONE"; allowedFunctionNames?: string[] } };
  generationConfig?: GeminiGenerationConfig;
}

// ---- response side (foreign: validated loosely) ----

const safetyRatingSchema = z.looseObject({
  category: z.optional(z.string()),
  probability: z.optional(z.string()),
  blocked: z.optional(z.boolean()),
});

const responsePartSchema = z.looseObject({
  text: z.optional(z.string()),
  thought: z.optional(z.boolean()),
  thoughtSignature: z.optional(z.string()),
  functionCall: z.optional(z.looseObject({ name: z.string().check(z.minLength(1)), args: z.nullish(z.record(z.string(), z.unknown())), id: z.optional(z.string()) })),
});

const usageMetadataSchema = z.looseObject({
  promptTokenCount: z.optional(z.number()),
  candidatesTokenCount: z.optional(z.number()),
  thoughtsTokenCount: z.optional(z.number()),
  toolUsePromptTokenCount: z.optional(z.number()),
  totalTokenCount: z.optional(z.number()),
});

const candidateSchema = z.looseObject({
  content: z.optional(z.looseObject({ role: z.optional(z.string()), parts: z.optional(z.array(responsePartSchema)) })),
  finishReason: z.optional(z.string()),
  finishMessage: z.optional(z.string()),
  safetyRatings: z.optional(z.array(safetyRatingSchema)),
  index: z.optional(z.number()),
});

const googleErrorSchema = z.looseObject({
  code: z.optional(z.number()),
  message: z.optional(z.string()),
  status: z.optional(z.string()),
  details: z.optional(z.array(z.looseObject({ "@type": z.optional(z.string()) }))),
});

export const generateContentResponseSchema = z.looseObject({
  candidates: z.optional(z.array(candidateSchema)),
  promptFeedback: z.optional(z.looseObject({ blockReason: z.optional(z.string()), blockReasonMessage: z.optional(z.string()), safetyRatings: z.optional(z.array(safetyRatingSchema)) })),
  usageMetadata: z.optional(usageMetadataSchema),
  modelVersion: z.optional(z.string()),
  responseId: z.optional(z.string()),
  /** Not part of GenerateContentResponse: an error Google reports inside an open stream. */
  error: z.optional(googleErrorSchema),
});

export type GenerateContentResponse = z.infer<typeof generateContentResponseSchema>;
export type SafetyRating = z.infer<typeof safetyRatingSchema>;
export type UsageMetadata = z.infer<typeof usageMetadataSchema>;
export type GoogleError = z.infer<typeof googleErrorSchema>;

/** `{"error": {...}}`; a streaming endpoint without alt=sse wraps it in an array. */
export const errorEnvelopeSchema = z.union([z.looseObject({ error: googleErrorSchema }), z.array(z.looseObject({ error: googleErrorSchema })).check(z.minLength(1))]);

export const modelsPageSchema = z.looseObject({
  models: z.optional(
    z.array(
      z.looseObject({
        name: z.string(),
        displayName: z.optional(z.string()),
        supportedGenerationMethods: z.optional(z.array(z.string())),
      }),
    ),
  ),
  nextPageToken: z.optional(z.string()),
});

export const batchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});

/**
 * The public request shapes, as OpenAI SDKs really send them. Unknown fields are kept
 * (`z.looseObject`) so SDK additions never fail a request; known fields are checked.
 */
import * as z from "zod/mini";
import "../lib/zod-locale";
import { MAX_CONTENT_PARTS, MAX_EMBEDDING_INPUTS, MAX_MESSAGES, MAX_MODEL_LENGTH, MAX_NAME_LENGTH, MAX_TOOL_CALLS, MAX_TOOLS } from "./limits";

/** U+0000–U+001F or U+007F: the model name reaches response headers and logs. */
function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** `model`, checked before anything uses it (DESIGN § Errors clients act on); Responses requests share it. */
export const modelSchema = z.string().check(
  z.minLength(1),
  z.maxLength(MAX_MODEL_LENGTH, `model must be at most ${MAX_MODEL_LENGTH} characters (MAX_MODEL_LENGTH)`),
  z.refine((m: string) => !hasControlCharacter(m), "model must not contain control characters"),
);

const name = z.string().check(z.minLength(1), z.maxLength(MAX_NAME_LENGTH, `names must be at most ${MAX_NAME_LENGTH} characters`));
/** `.nullable().optional()` in classic zod: absent, null, or a value. */
export const optionalNullable = <T extends z.ZodMiniType>(schema: T) => z.optional(z.nullable(schema));
const list = <T extends z.ZodMiniType>(item: T, max: number, what: string) => z.array(item).check(z.maxLength(max, `at most ${max} ${what}`));
const optionalString = z.optional(z.string());

const textPart = z.looseObject({ type: z.literal("text"), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.union([z.string().check(z.minLength(1)), z.looseObject({ url: z.string().check(z.minLength(1, "image_url.url must be a non-empty URL")), detail: optionalString })]),
});
export const contentPartSchema = z.discriminatedUnion("type", [textPart, imagePart]);

const content = z.union([z.string(), list(contentPartSchema, MAX_CONTENT_PARTS, "content parts (MAX_CONTENT_PARTS)")]);

export const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z._default(z.literal("function"), "function"),
  function: z.looseObject({ name, arguments: z.string() }),
});

const systemMessage = z.looseObject({ role: z.enum(["system", "developer"]), content, name: optionalString });
const userMessage = z.looseObject({ role: z.literal("user"), content, name: optionalString });
const assistantMessage = z.looseObject({
  role: z.literal("assistant"),
  content: z.optional(z.nullable(content)),
  name: optionalString,
  tool_calls: z.optional(list(toolCallSchema, MAX_TOOL_CALLS, "tool calls (MAX_TOOL_CALLS)")),
});
const toolMessage = z.looseObject({ role: z.literal("tool"), content, tool_call_id: z.string().check(z.minLength(1)) });

export const messageSchema = z.discriminatedUnion("role", [systemMessage, userMessage, assistantMessage, toolMessage]);

export const toolSchema = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name,
    description: optionalString,
    parameters: z.optional(z.record(z.string(), z.unknown())),
    strict: optionalNullable(z.boolean()),
  }),
});

export const toolChoiceSchema = z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.literal("function"), function: z.looseObject({ name }) })]);

export const responseFormatSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    json_schema: z.looseObject({
      name: z.string().check(z.minLength(1)),
      description: optionalString,
      schema: z.optional(z.record(z.string(), z.unknown())),
      strict: optionalNullable(z.boolean()),
    }),
  }),
]);

const positiveInt = z.int().check(z.positive());
const between = (min: number, max: number) => optionalNullable(z.number().check(z.gte(min), z.lte(max)));

export const chatRequestSchema = z
  .looseObject({
    model: z.optional(modelSchema),
    messages: list(messageSchema, MAX_MESSAGES, "messages (MAX_MESSAGES)").check(z.minLength(1, "messages must contain at least one message")),
    stream: optionalNullable(z.boolean()),
    stream_options: optionalNullable(z.looseObject({ include_usage: z.optional(z.boolean()) })),
    temperature: between(0, 2),
    top_p: between(0, 1),
    max_tokens: optionalNullable(positiveInt),
    max_completion_tokens: optionalNullable(positiveInt),
    stop: optionalNullable(z.union([z.string(), z.array(z.string()).check(z.maxLength(4))])),
    presence_penalty: between(-2, 2),
    frequency_penalty: between(-2, 2),
    seed: optionalNullable(z.int()),
    user: optionalString,
    n: optionalNullable(positiveInt),
    tools: z.optional(list(toolSchema, MAX_TOOLS, "tools (MAX_TOOLS)")),
    tool_choice: z.optional(toolChoiceSchema),
    parallel_tool_calls: z.optional(z.boolean()),
    response_format: z.optional(responseFormatSchema),
  })
  .check(
    z.superRefine((req: { n?: number | null }, ctx) => {
      if (req.n != null && req.n > 1) {
        ctx.addIssue({ code: "custom", path: ["n"], message: "n > 1 is not supported: request one choice per call" });
      }
    }),
  );

const ints = z.array(z.int()).check(z.minLength(1));

export const embeddingsRequestSchema = z.looseObject({
  model: z.optional(modelSchema),
  input: z.union([
    z.string(),
    list(z.string(), MAX_EMBEDDING_INPUTS, "inputs (MAX_EMBEDDING_INPUTS)").check(z.minLength(1, "input must not be empty")),
    ints,
    list(ints, MAX_EMBEDDING_INPUTS, "inputs (MAX_EMBEDDING_INPUTS)").check(z.minLength(1)),
  ]),
  encoding_format: z.optional(z.enum(["float", "base64"])),
  dimensions: z.optional(positiveInt),
  user: optionalString,
});

export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ChatMessage = z.infer<typeof messageSchema>;
export type ContentPart = z.infer<typeof contentPartSchema>;
export type ToolCall = z.infer<typeof toolCallSchema>;
export type Tool = z.infer<typeof toolSchema>;
export type ToolChoice = z.infer<typeof toolChoiceSchema>;
export type ResponseFormat = z.infer<typeof responseFormatSchema>;
export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

/** The URL of an image part, whichever of the two shapes the client used. */
export function imageUrlOf(part: Extract<ContentPart, { type: "image_url" }>): string {
  return typeof part.image_url === "string" ? part.image_url : part.image_url.url;
}

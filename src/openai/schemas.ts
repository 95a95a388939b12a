/**
 * The public request shapes, as OpenAI SDKs really send them. Unknown fields are kept
 * (`z.looseObject`) so SDK additions never fail a request; known fields are checked.
 */
import * as z from "zod";
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
export const modelSchema = z
  .string()
  .min(1)
  .max(MAX_MODEL_LENGTH, `model must be at most ${MAX_MODEL_LENGTH} characters (MAX_MODEL_LENGTH)`)
  .refine((m) => !hasControlCharacter(m), "model must not contain control characters");

const name = z.string().min(1).max(MAX_NAME_LENGTH, `names must be at most ${MAX_NAME_LENGTH} characters`);
const list = <T extends z.ZodType>(item: T, max: number, what: string) => z.array(item).max(max, `at most ${max} ${what}`);

const textPart = z.looseObject({ type: z.literal("text"), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.union([z.string().min(1), z.looseObject({ url: z.string().min(1, "image_url.url must be a non-empty URL"), detail: z.string().optional() })]),
});
export const contentPartSchema = z.discriminatedUnion("type", [textPart, imagePart]);

const content = z.union([z.string(), list(contentPartSchema, MAX_CONTENT_PARTS, "content parts (MAX_CONTENT_PARTS)")]);

export const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z.literal("function").default("function"),
  function: z.looseObject({ name, arguments: z.string() }),
});

const systemMessage = z.looseObject({ role: z.enum(["system", "developer"]), content, name: z.string().optional() });
const userMessage = z.looseObject({ role: z.literal("user"), content, name: z.string().optional() });
const assistantMessage = z.looseObject({
  role: z.literal("assistant"),
  content: content.nullable().optional(),
  name: z.string().optional(),
  tool_calls: list(toolCallSchema, MAX_TOOL_CALLS, "tool calls (MAX_TOOL_CALLS)").optional(),
});
const toolMessage = z.looseObject({ role: z.literal("tool"), content, tool_call_id: z.string().min(1) });

export const messageSchema = z.discriminatedUnion("role", [systemMessage, userMessage, assistantMessage, toolMessage]);

export const toolSchema = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name,
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

export const toolChoiceSchema = z.union([z.enum(["none", "auto", "required"]), z.looseObject({ type: z.literal("function"), function: z.looseObject({ name }) })]);

export const responseFormatSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    json_schema: z.looseObject({
      name: z.string().min(1),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const positiveInt = z.number().int().positive();

export const chatRequestSchema = z
  .looseObject({
    model: modelSchema.optional(),
    messages: list(messageSchema, MAX_MESSAGES, "messages (MAX_MESSAGES)").min(1, "messages must contain at least one message"),
    stream: z.boolean().nullable().optional(),
    stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    max_tokens: positiveInt.nullable().optional(),
    max_completion_tokens: positiveInt.nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)])
      .nullable()
      .optional(),
    presence_penalty: z.number().min(-2).max(2).nullable().optional(),
    frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
    seed: z.number().int().nullable().optional(),
    user: z.string().optional(),
    n: z.number().int().positive().nullable().optional(),
    tools: list(toolSchema, MAX_TOOLS, "tools (MAX_TOOLS)").optional(),
    tool_choice: toolChoiceSchema.optional(),
    parallel_tool_calls: z.boolean().optional(),
    response_format: responseFormatSchema.optional(),
  })
  .superRefine((req, ctx) => {
    if (req.n != null && req.n > 1) {
      ctx.addIssue({ code: "custom", path: ["n"], message: "n > 1 is not supported: request one choice per call" });
    }
  });

export const embeddingsRequestSchema = z.looseObject({
  model: modelSchema.optional(),
  input: z.union([
    z.string(),
    list(z.string(), MAX_EMBEDDING_INPUTS, "inputs (MAX_EMBEDDING_INPUTS)").min(1, "input must not be empty"),
    z.array(z.number().int()).min(1),
    list(z.array(z.number().int()).min(1), MAX_EMBEDDING_INPUTS, "inputs (MAX_EMBEDDING_INPUTS)").min(1),
  ]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: positiveInt.optional(),
  user: z.string().optional(),
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

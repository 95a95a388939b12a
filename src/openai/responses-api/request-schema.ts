/**
 * The Responses API request as the openai SDK, @ai-sdk/openai, LangChain and the Agents SDK
 * send it. Loose objects: fields the router does not use (`include`, `reasoning`,
 * `truncation`, …) are accepted and ignored; what cannot be served statelessly is refused
 * first (refusals.ts), so a client learns why rather than which field failed to parse.
 */
import * as z from "zod";
import { MAX_CONTENT_PARTS, MAX_MESSAGES, MAX_NAME_LENGTH, MAX_TOOLS } from "../limits";
import { modelSchema } from "../schemas";

// The chat request's bounds (limits.ts) hold here too: the converted request is not validated again.
const name = z.string().min(1).max(MAX_NAME_LENGTH, `names must be at most ${MAX_NAME_LENGTH} characters`);
const list = <T extends z.ZodType>(item: T, max: number, what: string) => z.array(item).max(max, `at most ${max} ${what}`);

const inputText = z.looseObject({ type: z.literal("input_text"), text: z.string() });
const outputText = z.looseObject({ type: z.literal("output_text"), text: z.string() });
const refusal = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });
const inputImage = z.looseObject({
  type: z.literal("input_image"),
  image_url: z.string().min(1, "image_url must be a non-empty URL"),
  detail: z.enum(["auto", "low", "high"]).nullable().optional(),
});
const inputFile = z.looseObject({ type: z.literal("input_file") });

export const inputPartSchema = z.discriminatedUnion("type", [inputText, outputText, refusal, inputImage, inputFile]);
const parts = list(inputPartSchema, MAX_CONTENT_PARTS, "content parts (MAX_CONTENT_PARTS)");

/** `type: "message"` is optional on the wire: `{role, content}` alone is a message. */
const messageItem = z.looseObject({
  type: z.literal("message"),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), parts]),
});

const functionCallItem = z.looseObject({
  type: z.literal("function_call"),
  call_id: z.string().min(1),
  name,
  arguments: z.string(),
});

const functionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1),
  output: z.union([z.string(), parts]),
});

/** A reasoning item the client echoes back: the model's own scratch, not part of the conversation. */
const reasoningItem = z.looseObject({ type: z.literal("reasoning") });

const withMessageType = (v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) && !("type" in v) && "role" in v ? { ...v, type: "message" } : v);

export const inputItemSchema = z.preprocess(withMessageType, z.discriminatedUnion("type", [messageItem, functionCallItem, functionCallOutputItem, reasoningItem]));

export const functionToolSchema = z.looseObject({
  type: z.literal("function"),
  name,
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});

const namedFunction = z.looseObject({ type: z.literal("function"), name });

export const responsesToolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  namedFunction,
  z.looseObject({
    type: z.literal("allowed_tools"),
    mode: z.enum(["auto", "required"]),
    tools: list(namedFunction, MAX_TOOLS, "tools (MAX_TOOLS)").min(1),
  }),
]);

export const textFormatSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    name: z.string().min(1),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().optional(),
    strict: z.boolean().nullable().optional(),
  }),
]);

export const responsesRequestSchema = z.looseObject({
  model: modelSchema.optional(),
  // Every item counts, function calls and their outputs included: one bound for the whole conversation.
  input: z.union([z.string(), list(inputItemSchema, MAX_MESSAGES, "input items (MAX_MESSAGES)").min(1, "input must contain at least one item")]),
  instructions: z.string().nullable().optional(),
  tools: list(functionToolSchema, MAX_TOOLS, "tools (MAX_TOOLS)").optional(),
  tool_choice: responsesToolChoiceSchema.optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z.looseObject({ format: textFormatSchema.optional() }).nullable().optional(),
  max_output_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  user: z.string().optional(),
  store: z.boolean().nullable().optional(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
export type ResponsesInputItem = z.infer<typeof inputItemSchema>;
export type ResponsesInputPart = z.infer<typeof inputPartSchema>;
export type ResponsesFunctionTool = z.infer<typeof functionToolSchema>;
export type ResponsesToolChoice = z.infer<typeof responsesToolChoiceSchema>;
export type ResponsesTextFormat = z.infer<typeof textFormatSchema>;

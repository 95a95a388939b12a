/**
 * The Responses API request as the openai SDK, @ai-sdk/openai, LangChain and the Agents SDK
 * send it. Loose objects: fields the router does not use (`include`, `reasoning`,
 * `truncation`, …) are accepted and ignored; what cannot be served statelessly is refused
 * first (refusals.ts), so a client learns why rather than which field failed to parse.
 */
import * as z from "zod/mini";
import { MAX_CONTENT_PARTS, MAX_MESSAGES, MAX_NAME_LENGTH, MAX_TOOLS } from "../limits";
import { modelSchema, optionalNullable } from "../schemas";

// The chat request's bounds (limits.ts) hold here too: the converted request is not validated again.
const name = z.string().check(z.minLength(1), z.maxLength(MAX_NAME_LENGTH, `names must be at most ${MAX_NAME_LENGTH} characters`));
const list = <T extends z.ZodMiniType>(item: T, max: number, what: string) => z.array(item).check(z.maxLength(max, `at most ${max} ${what}`));
const callId = z.string().check(z.minLength(1));

const inputText = z.looseObject({ type: z.literal("input_text"), text: z.string() });
const outputText = z.looseObject({ type: z.literal("output_text"), text: z.string() });
const refusal = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });
const inputImage = z.looseObject({
  type: z.literal("input_image"),
  image_url: z.string().check(z.minLength(1, "image_url must be a non-empty URL")),
  detail: optionalNullable(z.enum(["auto", "low", "high"])),
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
  call_id: callId,
  name,
  arguments: z.string(),
});

const functionCallOutputItem = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: callId,
  output: z.union([z.string(), parts]),
});

/** A reasoning item the client echoes back: the model's own scratch, not part of the conversation. */
const reasoningItem = z.looseObject({ type: z.literal("reasoning") });

const withMessageType = (v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) && !("type" in v) && "role" in v ? { ...v, type: "message" } : v);

export const inputItemSchema = z.pipe(z.transform(withMessageType), z.discriminatedUnion("type", [messageItem, functionCallItem, functionCallOutputItem, reasoningItem]));

export const functionToolSchema = z.looseObject({
  type: z.literal("function"),
  name,
  description: optionalNullable(z.string()),
  parameters: optionalNullable(z.record(z.string(), z.unknown())),
  strict: optionalNullable(z.boolean()),
});

const namedFunction = z.looseObject({ type: z.literal("function"), name });

export const responsesToolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  namedFunction,
  z.looseObject({
    type: z.literal("allowed_tools"),
    mode: z.enum(["auto", "required"]),
    tools: list(namedFunction, MAX_TOOLS, "tools (MAX_TOOLS)").check(z.minLength(1)),
  }),
]);

export const textFormatSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    name: z.string().check(z.minLength(1)),
    schema: z.record(z.string(), z.unknown()),
    description: z.optional(z.string()),
    strict: optionalNullable(z.boolean()),
  }),
]);

export const responsesRequestSchema = z.looseObject({
  model: z.optional(modelSchema),
  // Every item counts, function calls and their outputs included: one bound for the whole conversation.
  input: z.union([z.string(), list(inputItemSchema, MAX_MESSAGES, "input items (MAX_MESSAGES)").check(z.minLength(1, "input must contain at least one item"))]),
  instructions: optionalNullable(z.string()),
  tools: z.optional(list(functionToolSchema, MAX_TOOLS, "tools (MAX_TOOLS)")),
  tool_choice: z.optional(responsesToolChoiceSchema),
  parallel_tool_calls: optionalNullable(z.boolean()),
  text: optionalNullable(z.looseObject({ format: z.optional(textFormatSchema) })),
  max_output_tokens: optionalNullable(z.int().check(z.positive())),
  temperature: optionalNullable(z.number().check(z.gte(0), z.lte(2))),
  top_p: optionalNullable(z.number().check(z.gte(0), z.lte(1))),
  stream: optionalNullable(z.boolean()),
  metadata: optionalNullable(z.record(z.string(), z.string())),
  user: z.optional(z.string()),
  store: optionalNullable(z.boolean()),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
export type ResponsesInputItem = z.infer<typeof inputItemSchema>;
export type ResponsesInputPart = z.infer<typeof inputPartSchema>;
export type ResponsesFunctionTool = z.infer<typeof functionToolSchema>;
export type ResponsesToolChoice = z.infer<typeof responsesToolChoiceSchema>;
export type ResponsesTextFormat = z.infer<typeof textFormatSchema>;

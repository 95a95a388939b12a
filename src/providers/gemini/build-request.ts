/**
 * OpenAI chat request → Gemini `GenerateContentRequest`. Pure. A request Gemini cannot
 * represent faithfully is refused with a typed error rather than silently altered: an
 * orphan tool message is a 400, an image Gemini cannot take is `incapable`.
 */
import type { ChatMessage, ChatRequest, ContentPart, ToolCall, ToolChoice } from "../../openai/schemas";
import { imageUrlOf } from "../../openai/schemas";
import { UpstreamError } from "../failures";
import { convertImage } from "./convert-image";
import { toGeminiSchema } from "./sanitize-schema";
import { signaturesForTurn } from "./thought-signature";
import type { GeminiContent, GeminiGenerationConfig, GeminiPart, GeminiRequest, GeminiSchema } from "./wire";

export function buildGeminiChatRequest(request: ChatRequest, model: string): GeminiRequest {
  const { contents, system } = convertMessages(request.messages, model);
  const out: GeminiRequest = { contents };
  if (system.length > 0 && contents.length === 0) {
    // Gemini needs at least one content; a system-only request becomes the user's turn.
    contents.push({ role: "user", parts: [{ text: system.join("\n\n") }] });
  } else if (system.length > 0) {
    // Gemma on the Gemini API rejects systemInstruction; its instructions lead the first user turn instead.
    if (/^gemma-/.test(model)) prependToFirstUserTurn(contents, system.join("\n\n"));
    else out.systemInstruction = { parts: system.map((text) => ({ text })) };
  }
  if (request.tools && request.tools.length > 0) {
    out.tools = [
      {
        functionDeclarations: request.tools.map((t) => {
          const parameters = meaningful(toGeminiSchema(t.function.parameters));
          return {
            name: t.function.name,
            ...(t.function.description ? { description: t.function.description } : {}),
            ...(parameters ? { parameters } : {}),
          };
        }),
      },
    ];
    if (request.tool_choice !== undefined) out.toolConfig = { functionCallingConfig: mapToolChoice(request.tool_choice, request) };
  }
  const generationConfig = buildGenerationConfig(request);
  if (Object.keys(generationConfig).length > 0) out.generationConfig = generationConfig;
  return out;
}

function convertMessages(messages: readonly ChatMessage[], model: string): { contents: GeminiContent[]; system: string[] } {
  const system: string[] = [];
  const contents: GeminiContent[] = [];
  /** tool_call_id → function name, from the assistant turns seen so far. */
  const callNames = new Map<string, string>();
  const push = (role: GeminiContent["role"], parts: GeminiPart[]) => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    // One content per speaker change: Gemini expects user and model turns to alternate.
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };

  messages.forEach((msg, i) => {
    switch (msg.role) {
      case "system":
      case "developer": {
        const text = textOnly(msg.content, `messages[${i}].content`);
        if (text) system.push(text);
        break;
      }
      case "user":
        push("user", contentParts(msg.content, model, `messages[${i}].content`));
        break;
      case "assistant": {
        const parts: GeminiPart[] = msg.content == null ? [] : contentParts(msg.content, model, `messages[${i}].content`);
        const calls = msg.tool_calls ?? [];
        const signatures = signaturesForTurn(calls, model);
        calls.forEach((call, j) => {
          callNames.set(call.id, call.function.name);
          parts.push({
            functionCall: { name: call.function.name, args: parseArguments(call, `messages[${i}].tool_calls[${j}].function.arguments`) },
            ...(signatures[j] ? { thoughtSignature: signatures[j] } : {}),
          });
        });
        push("model", parts);
        break;
      }
      case "tool": {
        const name = callNames.get(msg.tool_call_id);
        if (!name) {
          throw badRequest(`messages[${i}] is a tool result for tool_call_id "${msg.tool_call_id}", which no earlier assistant message called`, `messages[${i}].tool_call_id`);
        }
        push("user", [{ functionResponse: { name, response: toolResponse(textOnly(msg.content, `messages[${i}].content`)) } }]);
        break;
      }
    }
  });
  return { contents, system };
}

function contentParts(content: string | ContentPart[], model: string, param: string): GeminiPart[] {
  if (typeof content === "string") return content === "" ? [] : [{ text: content }];
  return content.flatMap((part): GeminiPart[] => {
    if (part.type === "text") return part.text === "" ? [] : [{ text: part.text }];
    const image = convertImage(imageUrlOf(part), model);
    if ("incapable" in image) throw new UpstreamError({ kind: "incapable", message: `${param}: ${image.incapable}` });
    return [image.part];
  });
}

function textOnly(content: string | ContentPart[], param: string): string {
  if (typeof content === "string") return content;
  return content
    .map((p) => {
      if (p.type !== "text") throw new UpstreamError({ kind: "incapable", message: `${param}: Gemini takes only text here, not images` });
      return p.text;
    })
    .join("\n");
}

function parseArguments(call: ToolCall, param: string): Record<string, unknown> {
  const raw = call.function.arguments.trim();
  if (raw === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest(`${param} is not valid JSON`, param);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw badRequest(`${param} must be a JSON object`, param);
  return parsed as Record<string, unknown>;
}

/** Gemini's functionResponse.response is a JSON object; a plain-text result is wrapped. */
function toolResponse(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON: wrapped below
  }
  return { result: text };
}

function mapToolChoice(choice: ToolChoice, request: ChatRequest): NonNullable<GeminiRequest["toolConfig"]>["functionCallingConfig"] {
  if (choice === "auto") return { mode: "AUTO" };
  if (choice === "none") return { mode: "NONE" };
  if (choice === "required") return { mode: "ANY" };
  const name = choice.function.name;
  if (!request.tools?.some((t) => t.function.name === name)) {
    throw badRequest(`tool_choice names the function "${name}", which is not in tools`, "tool_choice");
  }
  return { mode: "ANY", allowedFunctionNames: [name] };
}

function buildGenerationConfig(request: ChatRequest): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) config.maxOutputTokens = maxTokens;
  if (request.stop != null) {
    const stop = typeof request.stop === "string" ? [request.stop] : request.stop;
    if (stop.length > 0) config.stopSequences = stop;
  }
  if (request.seed != null) config.seed = request.seed;
  if (request.presence_penalty != null) config.presencePenalty = request.presence_penalty;
  if (request.frequency_penalty != null) config.frequencyPenalty = request.frequency_penalty;
  const format = request.response_format;
  if (format?.type === "json_object") config.responseMimeType = "application/json";
  if (format?.type === "json_schema") {
    config.responseMimeType = "application/json";
    const schema = meaningful(toGeminiSchema(format.json_schema.schema));
    if (schema) config.responseSchema = schema;
  }
  return config;
}

/** A bare object schema says nothing Gemini can use, and it rejects an OBJECT without properties. */
function meaningful(schema: GeminiSchema | undefined): GeminiSchema | undefined {
  if (!schema) return undefined;
  const { type, ...rest } = schema;
  return type === "OBJECT" && !schema.properties && Object.keys(rest).every((k) => k === "description" || k === "title") ? undefined : schema;
}

function prependToFirstUserTurn(contents: GeminiContent[], text: string): void {
  const first = contents.find((c) => c.role === "user");
  if (first) first.parts.unshift({ text });
  else contents.unshift({ role: "user", parts: [{ text }] });
}

function badRequest(message: string, param: string): UpstreamError {
  return new UpstreamError({ kind: "http", status: 400, code: "invalid_value", message, param });
}

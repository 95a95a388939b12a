/**
 * OpenAI chat request → Ollama `/api/chat` body. Pure; call `ollamaIncapability` first:
 * what it refuses (image URLs, non-object tool arguments) throws here as `incapable`.
 */
import type { ChatMessage, ChatRequest, ContentPart } from "../../openai/schemas";
import { imageUrlOf } from "../../openai/schemas";
import { UpstreamError } from "../failures";
import { dataUrlImage } from "./convert-image";
import type { OllamaChatRequest, OllamaMessage, OllamaOptions, OllamaTool } from "./wire";

type Content = Exclude<ChatMessage["content"], undefined>;

/** Text parts joined by newlines, data-URL images collected as base64. */
function splitContent(content: Content): { text: string; images: string[] } {
  if (content == null) return { text: "", images: [] };
  if (typeof content === "string") return { text: content, images: [] };
  const texts: string[] = [];
  const images: string[] = [];
  for (const part of content as ContentPart[]) {
    if (part.type === "text") {
      texts.push(part.text);
      continue;
    }
    const url = imageUrlOf(part);
    const data = dataUrlImage(url);
    if (data === undefined) {
      throw new UpstreamError({ kind: "incapable", message: "Ollama takes inline (data:) images only, not image URLs" });
    }
    images.push(data);
  }
  return { text: texts.join("\n"), images };
}

/** OpenAI sends tool arguments as a JSON string; Ollama wants the object. Undefined when it is not one. */
export function parseToolArguments(json: string): Record<string, unknown> | undefined {
  if (json.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function convertMessages(messages: readonly ChatMessage[]): OllamaMessage[] {
  // tool messages name their call by id; Ollama wants the function name instead.
  const toolNames = new Map<string, string>();
  for (const m of messages) {
    if (m.role === "assistant") for (const tc of m.tool_calls ?? []) toolNames.set(tc.id, tc.function.name);
  }
  return messages.map((m): OllamaMessage => {
    const { text, images } = splitContent(m.content ?? null);
    const withImages = images.length ? { images } : {};
    switch (m.role) {
      case "system":
      case "developer":
        return { role: "system", content: text, ...withImages };
      case "user":
        return { role: "user", content: text, ...withImages };
      case "tool": {
        const name = toolNames.get(m.tool_call_id);
        return { role: "tool", content: text, ...(name ? { tool_name: name } : {}) };
      }
      default: {
        // assistant: the last role left.
        const calls = (m.tool_calls ?? []).map((tc) => {
          const args = parseToolArguments(tc.function.arguments);
          if (!args) {
            throw new UpstreamError({ kind: "incapable", message: `tool call ${tc.id} has arguments that are not a JSON object; Ollama needs an object` });
          }
          return { function: { name: tc.function.name, arguments: args } };
        });
        return { role: "assistant", content: text, ...withImages, ...(calls.length ? { tool_calls: calls } : {}) };
      }
    }
  });
}

function convertOptions(request: ChatRequest): OllamaOptions | undefined {
  const options: OllamaOptions = {};
  if (request.temperature != null) options.temperature = request.temperature;
  if (request.top_p != null) options.top_p = request.top_p;
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) options.num_predict = maxTokens;
  if (request.stop != null) {
    const stop = typeof request.stop === "string" ? [request.stop] : request.stop;
    if (stop.length) options.stop = stop;
  }
  if (request.seed != null) options.seed = request.seed;
  if (request.presence_penalty != null) options.presence_penalty = request.presence_penalty;
  if (request.frequency_penalty != null) options.frequency_penalty = request.frequency_penalty;
  return Object.keys(options).length ? options : undefined;
}

function convertFormat(request: ChatRequest): OllamaChatRequest["format"] {
  const rf = request.response_format;
  if (!rf || rf.type === "text") return undefined;
  if (rf.type === "json_schema" && rf.json_schema.schema) return rf.json_schema.schema;
  return "json";
}

function convertTools(request: ChatRequest): OllamaTool[] | undefined {
  // "none" means the model must not call a tool: not offering any is the faithful translation.
  if (!request.tools?.length || request.tool_choice === "none") return undefined;
  return request.tools.map((t) => ({
    type: "function",
    function: {
      name: t.function.name,
      ...(t.function.description !== undefined ? { description: t.function.description } : {}),
      ...(t.function.parameters !== undefined ? { parameters: t.function.parameters } : {}),
    },
  }));
}

/** True when the client asked for JSON output (the answer's ```json fence is then stripped). */
export function wantsJson(request: ChatRequest): boolean {
  return request.response_format !== undefined && request.response_format.type !== "text";
}

export function buildOllamaChatRequest(request: ChatRequest, model: string): OllamaChatRequest {
  const body: OllamaChatRequest = { model, messages: convertMessages(request.messages), stream: true };
  const options = convertOptions(request);
  if (options) body.options = options;
  const format = convertFormat(request);
  if (format !== undefined) body.format = format;
  const tools = convertTools(request);
  if (tools) body.tools = tools;
  // Non-standard extension: how long Ollama keeps the model loaded ("10m", 0, -1).
  const keepAlive = (request as Record<string, unknown>).keep_alive;
  if (typeof keepAlive === "string" || (typeof keepAlive === "number" && Number.isFinite(keepAlive))) body.keep_alive = keepAlive;
  return body;
}

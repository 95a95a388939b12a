/**
 * Why an Ollama entry cannot serve a request, decided before any I/O so the router can
 * move on to an entry that can — instead of Ollama silently dropping what it cannot take.
 */
import type { ChatRequest } from "../../openai/schemas";
import { imageUrlOf } from "../../openai/schemas";
import { parseToolArguments } from "./build-request";
import { dataUrlImage } from "./convert-image";
import { supportsTools } from "./tool-capability";

export function ollamaIncapability(request: ChatRequest, model: string): string | undefined {
  for (const m of request.messages) {
    if (Array.isArray(m.content)) {
      for (const part of m.content) {
        if (part.type === "image_url" && dataUrlImage(imageUrlOf(part)) === undefined) {
          return "Ollama takes inline (data:) images only, not image URLs";
        }
      }
    }
    if (m.role === "assistant") {
      for (const tc of m.tool_calls ?? []) {
        if (parseToolArguments(tc.function.arguments) === undefined) {
          return `tool call ${tc.id} has arguments that are not a JSON object`;
        }
      }
    }
  }

  const offersTools = (request.tools?.length ?? 0) > 0 && request.tool_choice !== "none";
  const toolHistory = request.messages.some((m) => m.role === "tool" || (m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0));
  if ((offersTools || toolHistory) && !supportsTools(model)) {
    return `${model} is not trained for tool calling; Ollama would drop the tools`;
  }
  // Ollama's native API has no tool_choice: it can offer tools, never force one.
  const tc = request.tool_choice;
  if (offersTools && tc !== undefined && tc !== "auto") {
    return `Ollama cannot enforce tool_choice ${typeof tc === "string" ? JSON.stringify(tc) : `function ${tc.function.name}`}`;
  }
  return undefined;
}

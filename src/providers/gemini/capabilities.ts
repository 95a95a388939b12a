/**
 * What a Gemini entry cannot serve, decided before any I/O so the chain walk can move on
 * without spending a round trip on a request Google would reject.
 */
import type { ChatRequest } from "../../openai/schemas";
import { imageUrlOf } from "../../openai/schemas";
import { convertImage } from "./convert-image";

export function geminiIncapability(request: ChatRequest, model: string): string | undefined {
  // Gemma models on the Gemini API have no function calling; tools would be refused.
  if (/^gemma-/.test(model) && (request.tools?.length ?? 0) > 0) return `${model} does not support tool calls`;
  for (const [i, msg] of request.messages.entries()) {
    if (typeof msg.content === "string" || msg.content == null) continue;
    for (const part of msg.content) {
      if (part.type !== "image_url") continue;
      if (msg.role !== "user" && msg.role !== "assistant") return `messages[${i}]: Gemini takes images only in user and assistant messages`;
      const image = convertImage(imageUrlOf(part), model);
      if ("incapable" in image) return `messages[${i}]: ${image.incapable}`;
    }
  }
  return undefined;
}

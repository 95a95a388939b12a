/**
 * What an OpenAI-compatible entry cannot serve, decided before any I/O. Nothing, here: the
 * request is passed through, and a host that cannot take part of it answers with an error
 * the chain walk classifies like any other.
 */
import type { ChatRequest } from "../../openai/schemas";

export function openAIIncapability(_request: ChatRequest, _model: string): string | undefined {
  return undefined;
}

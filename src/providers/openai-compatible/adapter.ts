/**
 * Groq, OpenRouter, Together, OpenAI and any `kind: openai` provider: a near pass-through.
 * The shell that wires the converters in this folder to fetch.
 */
import type { ChatChunk } from "../../openai/responses";
import { mapSse } from "../../streaming/decode";
import { UpstreamError } from "../failures";
import type { ChatCall, ChunkBatch, ProviderAdapter } from "../types";
import { buildOpenAIChatRequest } from "./build-request";
import { openAIIncapability } from "./capabilities";
import { convertOpenAIEvent } from "./convert-stream";
import { embedOpenAI } from "./embeddings";
import { sendOpenAI } from "./endpoints";
import { listOpenAIModels } from "./models";
import { probeOpenAI } from "./probe";

async function chat(call: ChatCall): Promise<AsyncIterable<ChunkBatch>> {
  const { provider, model, request, signal } = call;
  const res = await sendOpenAI(provider, "/chat/completions", { signal, body: buildOpenAIChatRequest(request, model), accept: "text/event-stream" });
  if (!res.body) throw new UpstreamError({ kind: "malformed", message: "upstream answered without a body" });
  const type = res.headers.get("content-type") ?? "";
  if (!type.includes("text/event-stream")) {
    // A host that ignored stream:true and answered JSON: unreadable as a stream.
    await res.body.cancel().catch(() => {});
    throw new UpstreamError({ kind: "malformed", message: `expected an event stream, got ${type || "no content type"}` });
  }
  const onMalformed = call.onMalformed;
  return mapSse<ChatChunk>(res.body, (event, out) => convertOpenAIEvent(event, out, onMalformed));
}

export const openAICompatibleAdapter: ProviderAdapter = {
  kind: "openai",
  incapable: openAIIncapability,
  chat,
  embed: embedOpenAI,
  listModels: listOpenAIModels,
  probe: probeOpenAI,
};

/**
 * The native Ollama adapter: `/api/chat`, `/api/embed`, `/api/tags`. A thin shell that
 * wires the pure converters in this folder to `fetch`; timeouts, retries and fallback
 * stay with the router.
 */
import { completionId } from "../../openai/responses";
import { decodeNdjson, oneByOne } from "../../streaming/decode";
import { UpstreamError } from "../failures";
import type { ChatCall, ChunkBatch, ProviderAdapter } from "../types";
import { buildOllamaChatRequest, wantsJson } from "./build-request";
import { ollamaIncapability } from "./capabilities";
import { convertOllamaStream } from "./convert-stream";
import { embedOllama } from "./embeddings";
import { assertNotHtml, sendOllama } from "./endpoints";
import { loadedOllamaModels, warmOllamaModel } from "./memory";
import { listOllamaModels } from "./models";
import { probeOllama } from "./probe";

async function chat(call: ChatCall): Promise<AsyncIterable<ChunkBatch>> {
  const body = buildOllamaChatRequest(call.request, call.model);
  const res = await sendOllama(call.provider, "/api/chat", call.signal, body, "application/x-ndjson");
  assertNotHtml(res, "/api/chat");
  if (!res.body) throw new UpstreamError({ kind: "malformed", message: "/api/chat answered without a body" });
  const chunks = convertOllamaStream(decodeNdjson(res.body), {
    id: completionId(),
    created: Math.floor(Date.now() / 1000),
    model: call.model,
    stripJsonFence: wantsJson(call.request),
    onMalformed: call.onMalformed,
  });
  return oneByOne(chunks);
}

export const ollamaAdapter: ProviderAdapter = {
  kind: "ollama",
  incapable: ollamaIncapability,
  chat,
  embed: embedOllama,
  listModels: listOllamaModels,
  probe: probeOllama,
  loadedModels: loadedOllamaModels,
  warm: warmOllamaModel,
};

/**
 * The native Google Gemini adapter: the shell that wires the pure converters to fetch.
 * Chat always streams upstream (`:streamGenerateContent?alt=sse`); the router aggregates
 * when the client asked for a single answer, so its timeouts apply to every call.
 */
import { completionId } from "../../openai/responses";
import { oneByOne } from "../../streaming/decode";
import { UpstreamError } from "../failures";
import type { ChatCall, ChunkBatch, ProviderAdapter } from "../types";
import { buildGeminiChatRequest } from "./build-request";
import { geminiIncapability } from "./capabilities";
import { convertGeminiStream } from "./convert-stream";
import { embedGemini } from "./embeddings";
import { modelPath, sendGemini } from "./endpoints";
import { listGeminiModels } from "./models";
import { probeGemini } from "./probe";

async function chat(call: ChatCall): Promise<AsyncIterable<ChunkBatch>> {
  const body = buildGeminiChatRequest(call.request, call.model);
  const res = await sendGemini(call.provider, `${modelPath(call.model)}:streamGenerateContent?alt=sse`, call.signal, body);
  if (!res.body) throw new UpstreamError({ kind: "malformed", message: "Gemini answered 2xx without a body" });
  const chunks = convertGeminiStream(res.body, { id: completionId(), created: Math.floor(Date.now() / 1000), model: call.model, onMalformed: (d) => call.onMalformed(d) });
  return oneByOne(chunks);
}

export const geminiAdapter: ProviderAdapter = {
  kind: "gemini",
  incapable: geminiIncapability,
  chat,
  embed: embedGemini,
  listModels: listGeminiModels,
  probe: probeGemini,
};

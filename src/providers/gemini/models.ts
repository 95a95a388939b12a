/** Gemini `GET /models` (paged) → OpenAI model entries named `<provider>/<id>`. */
import type { ModelInfo } from "../../openai/responses";
import { UpstreamError } from "../failures";
import { readPayloadJson } from "../http";
import type { ProviderConfig } from "../types";
import { sendGemini } from "./endpoints";
import { modelsPageSchema } from "./wire";

/** A runaway pageToken loop must end; Google lists far fewer models than this many pages hold. */
const MAX_PAGES = 20;
/** Only models the router can call: chat or embeddings. */
const SERVABLE = ["generateContent", "streamGenerateContent", "embedContent", "batchEmbedContents"];

export function geminiModelsPage(json: unknown, providerName: string): { models: ModelInfo[]; nextPageToken?: string } {
  const parsed = modelsPageSchema.safeParse(json);
  if (!parsed.success) throw new UpstreamError({ kind: "malformed", message: "Gemini models list has an unexpected shape" });
  const models = (parsed.data.models ?? [])
    .filter((m) => !m.supportedGenerationMethods || m.supportedGenerationMethods.some((g) => SERVABLE.includes(g)))
    .map((m): ModelInfo => ({ id: `${providerName}/${m.name.replace(/^models\//, "")}`, object: "model", created: 0, owned_by: "google" }));
  return parsed.data.nextPageToken ? { models, nextPageToken: parsed.data.nextPageToken } : { models };
}

export async function listGeminiModels(provider: ProviderConfig, signal: AbortSignal): Promise<ModelInfo[]> {
  const out: ModelInfo[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = new URLSearchParams({ pageSize: "1000" });
    if (token) query.set("pageToken", token);
    const res = await sendGemini(provider, `models?${query}`, signal);
    // A failing read is a typed network failure (upstreamFetch); only unparseable text is malformed.
    const json = await readPayloadJson(res, signal);
    if (json === undefined) throw new UpstreamError({ kind: "malformed", message: "Gemini models list is not JSON" });
    const { models, nextPageToken } = geminiModelsPage(json, provider.name);
    out.push(...models);
    if (!nextPageToken || nextPageToken === token) break;
    token = nextPageToken;
  }
  return out;
}

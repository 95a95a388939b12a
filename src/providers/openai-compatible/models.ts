/** `GET /models` → OpenAI model entries named `<provider>/<id>`. */
import type { ModelInfo } from "../../openai/responses";
import { UpstreamError } from "../failures";
import { readPayloadJson } from "../http";
import type { ProviderConfig } from "../types";
import { sendOpenAI } from "./endpoints";
import { modelEntrySchema, modelsListSchema } from "./wire";

export function parseOpenAIModels(json: unknown, providerName: string): ModelInfo[] {
  const parsed = modelsListSchema.safeParse(json);
  if (!parsed.success) throw new UpstreamError({ kind: "malformed", message: "models response has no data list" });
  return parsed.data.data.flatMap((entry): ModelInfo[] => {
    const m = modelEntrySchema.safeParse(entry);
    return m.success ? [{ id: `${providerName}/${m.data.id}`, object: "model", created: m.data.created, owned_by: providerName }] : [];
  });
}

export async function listOpenAIModels(provider: ProviderConfig, signal: AbortSignal): Promise<ModelInfo[]> {
  const res = await sendOpenAI(provider, "/models", { signal });
  return parseOpenAIModels(await readPayloadJson(res, signal), provider.name);
}

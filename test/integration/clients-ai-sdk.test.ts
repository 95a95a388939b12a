/**
 * The Vercel AI SDK through `@ai-sdk/openai-compatible`, as a user runs it, against the
 * Worker (custom fetch) and the loopback fakes: generateText and streamText through a
 * fallback, a cut stream it reports (an error part, finishReason "error"), a tool loop
 * through a Gemini entry that validates thought signatures, generateObject, and embed.
 */
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { embed, embedMany, generateObject, generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { clientVars, expectSameVector, KEY, replayedSignatures, ROUTER_BASE, VALIDATING_GEMINI, workerFetch } from "../helpers/clients";
import { fakeLog, tag } from "../helpers/http";

function provider(vars: Record<string, string>) {
  return createOpenAICompatible({ name: "mana", baseURL: ROUTER_BASE, apiKey: KEY, includeUsage: true, fetch: workerFetch(vars) });
}

describe("AI SDK (openai-compatible): text", () => {
  it("generateText: the fallback answers when the primary is down, transparently", async () => {
    const t = tag();
    const result = await generateText({ model: provider(clientVars(t, [`dead-${t}/ok@${t}`, `groq-${t}/ok@${t}`]))("mana/t"), prompt: "hi", maxRetries: 0 });
    expect(result.text).toBe(`Hello from groq ok@${t}.`);
    expect(result.finishReason).toBe("stop");
    expect(result.usage).toMatchObject({ inputTokens: 11, outputTokens: 5 });
    expect(result.response.headers?.["x-mana-llm-attempts"]).toBe(`dead-${t}/ok@${t}=connect`);
  });

  it("streamText: the same fallback, streamed, with usage", async () => {
    const t = tag();
    const result = streamText({ model: provider(clientVars(t, [`dead-${t}/ok@${t}`, `openai-${t}/ok@${t}`]))("mana/t"), prompt: "hi", maxRetries: 0 });
    const deltas: string[] = [];
    for await (const d of result.textStream) deltas.push(d);
    expect(deltas.join("")).toBe(`Hello from openai ok@${t}.`);
    expect(deltas.length).toBeGreaterThan(1);
    expect(await result.finishReason).toBe("stop");
    expect(await result.usage).toMatchObject({ outputTokens: 5 });
  });

  it("streamText: a cut after the first tokens is reported as an error, never as a finished answer", async () => {
    const t = tag();
    const errors: unknown[] = [];
    const result = streamText({ model: provider(clientVars(t, [`groq-${t}/cut:2@${t}`]))("mana/t"), prompt: "hi", maxRetries: 0, onError: ({ error }) => void errors.push(error) });
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    expect(parts).toContain("error");
    expect(await result.finishReason).toBe("error");
    expect(String(errors[0])).toContain("interrupted");
    expect(await result.text).toBe("Hello from");
  });
});

describe("AI SDK (openai-compatible): tools through a signature-validating Gemini entry", () => {
  const getWeather = tool({
    description: "Current weather in a city",
    inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }),
    execute: async ({ city }) => ({ city, temp_c: 21 }),
  });

  for (const mode of ["generateText", "streamText"] as const) {
    it(`${mode} runs the loop to the answer`, async () => {
      const t = tag();
      const model = `${VALIDATING_GEMINI}@${t}`;
      const options = { model: provider(clientVars(t, [`gem-${t}/${model}`]))("mana/t"), prompt: "Weather in Paris?", tools: { get_weather: getWeather }, stopWhen: stepCountIs(3), maxRetries: 0 };
      const text = mode === "generateText" ? (await generateText(options)).text : await streamText(options).text;
      expect(text).toBe("It is 21 degrees in Paris.");
      const log = await fakeLog("geminiFakeUrl", model);
      expect(log).toHaveLength(2);
      const [sig] = replayedSignatures(log[1]!.body);
      expect(atob(sig!)).toMatch(/^fake-thought-/);
    });
  }
});

describe("AI SDK (openai-compatible): objects and embeddings", () => {
  it("generateObject through a fallback to Ollama", async () => {
    const t = tag();
    const { object } = await generateObject({
      model: provider(clientVars(t, [`dead-${t}/ok@${t}`, `ollama/ok@${t}`]))("mana/t"),
      schema: z.object({ answer: z.string() }),
      prompt: "Say hello as JSON",
      maxRetries: 0,
    });
    expect(object).toEqual({ answer: `Hello from ollama ok@${t}` });
    expect(await fakeLog("ollamaFakeUrl", `ok@${t}`)).toHaveLength(1);
  });

  it("embed and embedMany through a same-model fallback", async () => {
    const t = tag();
    const model = provider(clientVars(t, [`dead-${t}/emb@${t}`, `groq-${t}/emb@${t}`])).embeddingModel("mana/t");
    const one = await embed({ model, value: "hello", maxRetries: 0 });
    const many = await embedMany({ model, values: ["hello", "world"], maxRetries: 0 });
    expect(one.embedding).toHaveLength(4);
    expect(many.embeddings).toHaveLength(2);
    expectSameVector(many.embeddings[0]!, one.embedding);
    expect(await fakeLog("openaiFakeUrl", `emb@${t}`)).toHaveLength(2);
  });
});

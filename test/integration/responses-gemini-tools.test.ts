/**
 * A Responses tool loop through a Gemini entry that validates thought signatures: function_call
 * items carry only call_id, name and arguments, so the signature must come back in the call_id
 * the router issued (DESIGN.md § Tool calls survive every client).
 */
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, isStepCount, jsonSchema, streamText, tool } from "ai";
import OpenAI from "openai";
import { describe, expect, inject, it } from "vitest";
import { callWith, chainYaml, fakeLog, KEY, tag } from "../helpers/http";

const vars = (t: string) => ({
  ALIASES_YAML: chainYaml([`gem-${t}/tools@${t}`], `providers:\n  gem-${t}: {kind: gemini, base_url: "${inject("geminiFakeUrl")}/v1beta", api_key_env: GOOGLE_API_KEY}\n`),
});
const workerFetch = (t: string) => (url: RequestInfo | URL, init?: RequestInit) => {
  const u = new URL(String(url));
  return callWith(vars(t), u.pathname + u.search, { ...init, key: null });
};
const PARAMS = { type: "object", properties: { city: { type: "string" } }, required: ["city"] } as const;

describe("Responses tool loops through a signature-validating Gemini entry", () => {
  it("openai SDK: output items echoed back with the function_call_output complete the loop", async () => {
    const t = tag();
    const client = new OpenAI({ apiKey: KEY, baseURL: "http://router.test/v1", maxRetries: 0, fetch: workerFetch(t) });
    const tools: OpenAI.Responses.Tool[] = [{ type: "function", name: "get_weather", parameters: PARAMS, strict: false }];
    const input: OpenAI.Responses.ResponseInput = [{ role: "user", content: "Weather in Paris?" }];
    const first = await client.responses.create({ model: "mana/t", input, tools });
    const calls = first.output.filter((i) => i.type === "function_call");
    expect(calls.map((c) => c.name)).toEqual(["get_weather"]);
    input.push(...calls.map((c) => ({ type: "function_call" as const, call_id: c.call_id, name: c.name, arguments: c.arguments })));
    input.push(...calls.map((c) => ({ type: "function_call_output" as const, call_id: c.call_id, output: "21°C" })));
    const second = await client.responses.create({ model: "mana/t", input, tools });
    expect(second.output_text).toBe("It is 21 degrees in Paris.");
    // The replayed call carried the signature the fake issued on turn 1.
    const log = await fakeLog("geminiFakeUrl", `tools@${t}`);
    expect(log).toHaveLength(2);
    expect(JSON.stringify(log[1]!.body)).toContain('"thoughtSignature"');
  });

  const weather = (executed: string[]) => ({
    get_weather: tool({
      inputSchema: jsonSchema<{ city: string }>(PARAMS),
      execute: async ({ city }) => {
        executed.push(city);
        return "21°C";
      },
    }),
  });
  const aiModel = (t: string) => createOpenAI({ apiKey: KEY, baseURL: "http://router.test/v1", fetch: workerFetch(t) })("mana/t");

  it("@ai-sdk/openai: a generateText tool loop runs the tool and answers", async () => {
    const executed: string[] = [];
    const r = await generateText({ model: aiModel(tag()), prompt: "Weather in Paris?", tools: weather(executed), stopWhen: isStepCount(3), maxRetries: 0 });
    expect(executed).toEqual(["Paris"]);
    expect(r.text).toBe("It is 21 degrees in Paris.");
  });

  it("@ai-sdk/openai: a streamText tool loop does the same over the stream", async () => {
    const executed: string[] = [];
    const r = streamText({ model: aiModel(tag()), prompt: "Weather in Paris?", tools: weather(executed), stopWhen: isStepCount(3), maxRetries: 0 });
    await r.consumeStream();
    expect(executed).toEqual(["Paris"]);
    expect(await r.text).toBe("It is 21 degrees in Paris.");
  });
});

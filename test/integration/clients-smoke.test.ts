import { describe, expect, it } from "vitest";
import { ChatOpenAI } from "@langchain/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText } from "ai";
import { clientVars, KEY, ROUTER_BASE, workerFetch } from "../helpers/clients";
import { tag } from "../helpers/http";

describe("smoke", () => {
  it("langchain", async () => {
    const t = tag();
    const vars = clientVars(t, [`groq-${t}/ok@${t}`]);
    const m = new ChatOpenAI({ model: "mana/t", apiKey: KEY, maxRetries: 0, configuration: { baseURL: ROUTER_BASE, fetch: workerFetch(vars) } });
    const r = await m.invoke("hi");
    expect(r.content).toBe(`Hello from groq-${t} ok@${t}.`);
  });
  it("ai sdk", async () => {
    const t = tag();
    const vars = clientVars(t, [`groq-${t}/ok@${t}`]);
    const p = createOpenAICompatible({ name: "mana", baseURL: ROUTER_BASE, apiKey: KEY, fetch: workerFetch(vars) });
    const r = await generateText({ model: p("mana/t"), prompt: "hi", maxRetries: 0 });
    expect(r.text).toBe(`Hello from groq-${t} ok@${t}.`);
  });
});

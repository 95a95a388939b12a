/**
 * LangChain's `@langchain/openai` as a user runs it, against the Worker (custom fetch) and
 * the loopback fakes: ChatOpenAI invoke and stream through a fallback, a cut stream it
 * reports, a bindTools round trip through a Gemini entry that validates thought signatures
 * (LangChain rebuilds tool calls from {id, type, function}), withStructuredOutput, and
 * OpenAIEmbeddings.
 */
import { type AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { clientVars, expectSameVector, KEY, replayedSignatures, ROUTER_BASE, VALIDATING_GEMINI, workerFetch } from "../helpers/clients";
import { fakeLog, tag } from "../helpers/http";

function chatModel(vars: Record<string, string>, model = "mana/t"): ChatOpenAI {
  return new ChatOpenAI({ model, apiKey: KEY, maxRetries: 0, configuration: { baseURL: ROUTER_BASE, fetch: workerFetch(vars) } });
}

describe("LangChain ChatOpenAI", () => {
  it("invoke: the fallback answers when the primary is down, and the client never knows", async () => {
    const t = tag();
    const reply = await chatModel(clientVars(t, [`dead-${t}/ok@${t}`, `groq-${t}/ok@${t}`])).invoke("hi");
    expect(reply.content).toBe(`Hello from groq ok@${t}.`);
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 11, output_tokens: 5 });
    expect(await fakeLog("openaiFakeUrl", `ok@${t}`)).toHaveLength(1);
  });

  it("stream: the same fallback, token by token", async () => {
    const t = tag();
    const parts: string[] = [];
    for await (const chunk of await chatModel(clientVars(t, [`dead-${t}/ok@${t}`, `together-${t}/ok@${t}`])).stream("hi")) parts.push(String(chunk.content));
    expect(parts.join("")).toBe(`Hello from together ok@${t}.`);
    expect(parts.filter(Boolean).length).toBeGreaterThan(1);
  });

  it("stream: a cut after the first tokens is an error, not a shorter answer", async () => {
    const t = tag();
    const parts: string[] = [];
    const read = (async () => {
      for await (const chunk of await chatModel(clientVars(t, [`groq-${t}/cut:2@${t}`])).stream("hi")) parts.push(String(chunk.content));
    })();
    await expect(read).rejects.toThrow();
    expect(parts.join("")).toBe("Hello from");
  });

  it("bindTools round trip through a signature-validating Gemini entry completes", async () => {
    const t = tag();
    const model = `${VALIDATING_GEMINI}@${t}`;
    const llm = chatModel(clientVars(t, [`gem-${t}/${model}`])).bindTools([
      {
        type: "function",
        function: { name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      },
    ]);
    const question = new HumanMessage("Weather in Paris?");
    const first = await llm.invoke([question]);
    expect(first.tool_calls).toEqual([expect.objectContaining({ name: "get_weather", args: { city: "Paris", unit: "c" }, id: expect.stringMatching(/^call_/) })]);
    const call = first.tool_calls![0]!;
    // LangChain keeps the AIMessage it parsed; serialising it again drops extra_content.
    const answer = await llm.invoke([question, first as AIMessage, new ToolMessage({ tool_call_id: call.id!, content: '{"temp_c": 21}' })]);
    expect(answer.content).toBe("It is 21 degrees in Paris.");

    const log = await fakeLog("geminiFakeUrl", model);
    expect(log).toHaveLength(2);
    const [sig] = replayedSignatures(log[1]!.body);
    expect(atob(sig!)).toMatch(/^fake-thought-/);
  });

  it("withStructuredOutput (json_schema) through a fallback to Ollama", async () => {
    const t = tag();
    const structured = chatModel(clientVars(t, [`dead-${t}/ok@${t}`, `ollama/ok@${t}`])).withStructuredOutput(z.object({ answer: z.string() }), { name: "reply" });
    expect(await structured.invoke("Say hello as JSON")).toEqual({ answer: `Hello from ollama ok@${t}` });
    const [sent] = await fakeLog("ollamaFakeUrl", `ok@${t}`);
    expect(sent!.body).toMatchObject({ format: { type: "object", properties: { answer: { type: "string" } } } });
  });
});

describe("LangChain OpenAIEmbeddings", () => {
  it("embedQuery and embedDocuments through a same-model fallback", async () => {
    const t = tag();
    const embeddings = new OpenAIEmbeddings({
      model: "mana/t",
      apiKey: KEY,
      maxRetries: 0,
      configuration: { baseURL: ROUTER_BASE, fetch: workerFetch(clientVars(t, [`dead-${t}/emb@${t}`, `groq-${t}/emb@${t}`])) },
    });
    const query = await embeddings.embedQuery("hello");
    const docs = await embeddings.embedDocuments(["hello", "a longer document"]);
    expect(query).toHaveLength(4);
    expect(docs).toHaveLength(2);
    expectSameVector(docs[0]!, query);
    expect(docs[1]).not.toEqual(docs[0]);
    expect(await fakeLog("openaiFakeUrl", `emb@${t}`)).toHaveLength(2);
  });
});

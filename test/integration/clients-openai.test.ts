/**
 * The openai npm SDK as a user runs it, against the Worker (custom fetch) and the loopback
 * fakes: chat JSON and stream, embeddings, a runTools loop through a Gemini entry that
 * validates thought signatures, a fallback it never notices, and a cut stream it reports.
 */
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { clientVars, expectSameVector, KEY, replayedSignatures, ROUTER_BASE, VALIDATING_GEMINI, workerFetch } from "../helpers/clients";
import { fakeLog, tag } from "../helpers/http";

function client(vars: Record<string, string>, calls: string[] = []): OpenAI {
  return new OpenAI({ apiKey: KEY, baseURL: ROUTER_BASE, maxRetries: 0, fetch: workerFetch(vars, calls) });
}

const user = (content: string) => [{ role: "user" as const, content }];

describe("openai SDK: chat.completions", () => {
  it("JSON, answered by the fallback when the primary is down, without the client noticing", async () => {
    const t = tag();
    const { data, response } = await client(clientVars(t, [`dead-${t}/ok@${t}`, `groq-${t}/ok@${t}`]))
      .chat.completions.create({ model: "mana/t", messages: user("hi") })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe(`Hello from groq ok@${t}.`);
    expect(data.choices[0]!.finish_reason).toBe("stop");
    expect(data.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 5 });
    expect(response.headers.get("x-mana-llm-attempts")).toBe(`dead-${t}/ok@${t}=connect`);
    expect(await fakeLog("openaiFakeUrl", `ok@${t}`)).toHaveLength(1);
  });

  it("stream, through the same fallback, with usage", async () => {
    const t = tag();
    const stream = await client(clientVars(t, [`dead-${t}/ok@${t}`, `groq-${t}/ok@${t}`])).chat.completions.create({
      model: "mana/t",
      messages: user("hi"),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(`Hello from groq ok@${t}.`);
    expect(usage).toMatchObject({ completion_tokens: 5 });
  });

  it("a stream cut after its first tokens is an error, never a complete answer", async () => {
    const t = tag();
    const stream = await client(clientVars(t, [`groq-${t}/cut:2@${t}`])).chat.completions.create({ model: "mana/t", messages: user("hi"), stream: true });
    let text = "";
    const read = (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    })();
    await expect(read).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(text).toBe("Hello from");
  });

  it("the stream helper (chat.completions.stream) reports the cut too", async () => {
    const t = tag();
    const runner = client(clientVars(t, [`groq-${t}/cut:2@${t}`])).chat.completions.stream({ model: "mana/t", messages: user("hi") });
    await expect(runner.finalChatCompletion()).rejects.toThrow();
  });
});

describe("openai SDK: embeddings", () => {
  it("float and the SDK's default base64, through a same-model fallback", async () => {
    const t = tag();
    const sdk = client(clientVars(t, [`dead-${t}/emb@${t}`, `groq-${t}/emb@${t}`]));
    const floats = await sdk.embeddings.create({ model: "mana/t", input: ["hello", "world"], encoding_format: "float" });
    // The SDK asks for base64 by default and decodes it: the vectors are the same (float32).
    const decoded = await sdk.embeddings.create({ model: "mana/t", input: ["hello", "world"] });
    expect(floats.data).toHaveLength(2);
    expect(floats.model).toBe(`groq-${t}/emb@${t}`);
    for (const [i, d] of decoded.data.entries()) expectSameVector(d.embedding, floats.data[i]!.embedding);
  });
});

describe("openai SDK: runTools through a Gemini entry that validates thought signatures", () => {
  const weather = {
    type: "function" as const,
    function: {
      name: "get_weather",
      description: "Current weather in a city",
      parameters: { type: "object", properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } }, required: ["city"] },
      parse: (s: string) => JSON.parse(s) as { city: string },
      function: (args: { city: string }) => ({ city: args.city, temp_c: 21 }),
    },
  };

  for (const stream of [false, true]) {
    it(`completes the loop (${stream ? "streaming" : "JSON"}), the signature carried back by the tool call id`, async () => {
      const t = tag();
      const model = `${VALIDATING_GEMINI}@${t}`;
      const sdk = client(clientVars(t, [`gem-${t}/${model}`]));
      const runner = stream
        ? sdk.chat.completions.runTools({ model: "mana/t", messages: user("Weather in Paris?"), tools: [weather], stream: true })
        : sdk.chat.completions.runTools({ model: "mana/t", messages: user("Weather in Paris?"), tools: [weather] });
      expect(await runner.finalContent()).toBe("It is 21 degrees in Paris.");

      const log = await fakeLog("geminiFakeUrl", model);
      expect(log).toHaveLength(2);
      // Google's real signature went back, not the placeholder that skips validation.
      const [sig] = replayedSignatures(log[1]!.body);
      expect(atob(sig!)).toMatch(/^fake-thought-/);
    });
  }
});

describe("openai SDK: errors", () => {
  it("a 503 names every attempt; the SDK raises it as a server error", async () => {
    const t = tag();
    const err = await client(clientVars(t, [`dead-${t}/ok@${t}`]))
      .chat.completions.create({ model: "mana/t", messages: user("hi") })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((err as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")).toMatch(/^\d+$/);
  });
});

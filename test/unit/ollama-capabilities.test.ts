import { describe, expect, it } from "vitest";
import { ollamaIncapability } from "../../src/providers/ollama/capabilities";
import { modelBaseName, supportsTools } from "../../src/providers/ollama/tool-capability";
import { chatRequestSchema, type ChatRequest } from "../../src/openai/schemas";

const req = (body: Record<string, unknown>): ChatRequest => chatRequestSchema.parse({ messages: [{ role: "user", content: "hi" }], ...body });
const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }];

describe("supportsTools", () => {
  it.each([
    "qwen2.5:7b",
    "qwen2.5-coder:14b",
    "qwen3:8b",
    "llama3.1:8b",
    "llama3.2",
    "llama3.3:70b-instruct-q4_K_M",
    "mistral:7b",
    "mistral-nemo",
    "mixtral:8x7b",
    "command-r:35b",
    "command-r-plus",
    "firefunction-v2:70b",
    "registry.ollama.ai/library/qwen2.5:7b",
    "QWEN2.5:7B",
  ])("%s takes tools", (model) => expect(supportsTools(model)).toBe(true));

  it.each(["gemma3:12b", "gemma2:9b", "llava:7b", "llama3:8b", "llama2", "phi3:mini", "nomic-embed-text", "llama3.2-vision:11b", "mistral-openorca", "qwen2.5vl:7b", "mistrallite", "codellama:7b"])(
    "%s does not",
    (model) => expect(supportsTools(model)).toBe(false),
  );

  it("reduces a model name to its family", () => {
    expect(modelBaseName("hf.co/bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M")).toBe("qwen2.5-7b-instruct-gguf");
    expect(modelBaseName("qwen2.5:7b")).toBe("qwen2.5");
  });
});

describe("ollamaIncapability", () => {
  it("accepts plain text, data-URL images and tools for a tool model", () => {
    expect(ollamaIncapability(req({}), "gemma3:12b")).toBeUndefined();
    expect(ollamaIncapability(req({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] }] }), "llava:7b")).toBeUndefined();
    expect(ollamaIncapability(req({ tools }), "qwen2.5:7b")).toBeUndefined();
    expect(ollamaIncapability(req({ tools, tool_choice: "auto" }), "qwen2.5:7b")).toBeUndefined();
  });

  it("refuses an http(s) image URL", () => {
    const r = req({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "?" },
            { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
          ],
        },
      ],
    });
    expect(ollamaIncapability(r, "llava:7b")).toMatch(/image URLs/);
  });

  it("refuses tools for a model not trained for them, unless tool_choice is none", () => {
    expect(ollamaIncapability(req({ tools }), "gemma3:12b")).toMatch(/gemma3:12b is not trained for tool calling/);
    expect(ollamaIncapability(req({ tools, tool_choice: "none" }), "gemma3:12b")).toBeUndefined();
  });

  it("refuses tool history for a model not trained for tools", () => {
    const r = req({
      messages: [
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "42" },
      ],
    });
    expect(ollamaIncapability(r, "gemma3:12b")).toMatch(/tool calling/);
    expect(ollamaIncapability(r, "qwen2.5:7b")).toBeUndefined();
  });

  it("refuses a tool_choice Ollama cannot enforce", () => {
    expect(ollamaIncapability(req({ tools, tool_choice: "required" }), "qwen2.5:7b")).toMatch(/tool_choice "required"/);
    expect(ollamaIncapability(req({ tools, tool_choice: { type: "function", function: { name: "get_weather" } } }), "qwen2.5:7b")).toMatch(/function get_weather/);
  });

  it("refuses tool-call arguments that are not a JSON object", () => {
    const r = req({ messages: [{ role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "not json" } }] }] });
    expect(ollamaIncapability(r, "qwen2.5:7b")).toMatch(/not a JSON object/);
  });
});

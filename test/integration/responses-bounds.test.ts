/**
 * The same bounds on POST /v1/responses as on chat (src/openai/limits.ts): `model` reaches
 * response headers and logs, lists are capped. Each is a 400 naming the field, before
 * anything is sent upstream.
 */
import { describe, expect, it } from "vitest";
import type { ErrorBody } from "../../src/openai/errors";
import { MAX_CONTENT_PARTS, MAX_MESSAGES, MAX_MODEL_LENGTH, MAX_NAME_LENGTH, MAX_TOOLS } from "../../src/openai/limits";
import { fakeLog, postJson, tag } from "../helpers/http";

const errorOf = async (res: Response) => ((await res.json()) as { error: ErrorBody }).error;

describe("POST /v1/responses: bounds", () => {
  for (const ch of ["\n", "\r", "\0", "\x7f"]) {
    it(`a model with ${JSON.stringify(ch)} is a 400 on param model, nothing sent (JSON and stream)`, async () => {
      const t = tag();
      for (const stream of [false, true]) {
        const res = await postJson("/v1/responses", { model: `groq/ok@${t}${ch}x`, input: "hi", stream });
        expect(res.status).toBe(400);
        expect(await errorOf(res)).toMatchObject({ type: "invalid_request_error", param: "model" });
      }
      expect(await fakeLog("openaiFakeUrl", t)).toEqual([]);
    });
  }

  it(`a model longer than ${MAX_MODEL_LENGTH} characters is a 400 on param model`, async () => {
    const res = await postJson("/v1/responses", { model: `groq/${"m".repeat(MAX_MODEL_LENGTH)}`, input: "hi" });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("model");
  });

  const huge: Array<[string, Record<string, unknown>, string]> = [
    ["input items", { input: Array.from({ length: MAX_MESSAGES + 1 }, () => ({ role: "user", content: "x" })) }, "input"],
    ["content parts", { input: [{ role: "user", content: Array.from({ length: MAX_CONTENT_PARTS + 1 }, () => ({ type: "input_text", text: "x" })) }] }, "input[0].content"],
    ["tools", { input: "hi", tools: Array.from({ length: MAX_TOOLS + 1 }, (_, i) => ({ type: "function", name: `f${i}` })) }, "tools"],
    ["a tool name", { input: "hi", tools: [{ type: "function", name: "f".repeat(MAX_NAME_LENGTH + 1) }] }, "tools[0].name"],
  ];
  for (const [what, body, param] of huge) {
    it(`too many or too long ${what} is a 400 naming ${param}`, async () => {
      const t = tag();
      const res = await postJson("/v1/responses", { model: `groq/ok@${t}`, ...body });
      expect(res.status).toBe(400);
      expect((await errorOf(res)).param).toBe(param);
      expect(await fakeLog("openaiFakeUrl", t)).toEqual([]);
    });
  }
});

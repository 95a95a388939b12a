import { describe, expect, it } from "vitest";
import { mapGeminiFinishReason } from "../../src/providers/gemini/map-finish-reason";

describe("mapGeminiFinishReason", () => {
  it("STOP → stop, MAX_TOKENS → length", () => {
    expect(mapGeminiFinishReason("STOP")).toEqual({ kind: "finish", reason: "stop" });
    expect(mapGeminiFinishReason("MAX_TOKENS")).toEqual({ kind: "finish", reason: "length" });
  });

  it.each(["SAFETY", "RECITATION", "PROHIBITED_CONTENT", "SPII", "BLOCKLIST", "IMAGE_SAFETY"])("%s → blocked, naming the reason", (reason) => {
    expect(mapGeminiFinishReason(reason)).toEqual({ kind: "blocked", reason });
  });

  it("MALFORMED_FUNCTION_CALL → an error that says what happened", () => {
    expect(mapGeminiFinishReason("MALFORMED_FUNCTION_CALL")).toEqual({ kind: "error", reason: "MALFORMED_FUNCTION_CALL", message: expect.stringMatching(/malformed function call/i) });
  });

  it.each(["OTHER", "FINISH_REASON_UNSPECIFIED", "A_REASON_FROM_THE_FUTURE"])("%s → an error naming the reason, never a silent stop", (reason) => {
    expect(mapGeminiFinishReason(reason)).toEqual({ kind: "error", reason, message: expect.stringContaining(reason) });
  });
});

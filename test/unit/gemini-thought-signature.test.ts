import { describe, expect, it } from "vitest";
import { toolCallSchema } from "../../src/openai/schemas";
import { SKIP_SIGNATURE_VALIDATOR, signatureExtraContent, signaturesForTurn, thoughtSignatureOf, validatesThoughtSignatures } from "../../src/providers/gemini/thought-signature";

const call = (id: string, extra?: unknown) => toolCallSchema.parse({ id, type: "function", function: { name: "f", arguments: "{}" }, ...(extra ? { extra_content: extra } : {}) });

describe("thought signatures", () => {
  it("round trip: what goes out in extra_content is read back from the echoed tool call", () => {
    const extra = signatureExtraContent("c2ln");
    expect(extra).toEqual({ google: { thought_signature: "c2ln" } });
    // The request schema keeps unknown fields on tool calls, so the echo survives validation.
    expect(thoughtSignatureOf(call("a", extra))).toBe("c2ln");
  });

  it("absent or odd-shaped extra_content → no signature", () => {
    expect(thoughtSignatureOf(call("a"))).toBeUndefined();
    expect(thoughtSignatureOf(call("a", { google: { thought_signature: 5 } }))).toBeUndefined();
    expect(thoughtSignatureOf(call("a", { google: "x" }))).toBeUndefined();
    expect(thoughtSignatureOf(call("a", { google: { thought_signature: "" } }))).toBeUndefined();
  });

  it("Gemini 3 and later validate signatures; 2.x and other names do not", () => {
    expect(validatesThoughtSignatures("gemini-3-flash-preview")).toBe(true);
    expect(validatesThoughtSignatures("gemini-3.1-pro-preview")).toBe(true);
    expect(validatesThoughtSignatures("gemini-10-ultra")).toBe(true);
    expect(validatesThoughtSignatures("gemini-2.5-flash")).toBe(false);
    expect(validatesThoughtSignatures("gemma-3-27b-it")).toBe(false);
  });

  it("a signed turn is sent as given (only the first parallel call is signed)", () => {
    expect(signaturesForTurn([call("a", signatureExtraContent("s1")), call("b")], "gemini-3-flash-preview")).toEqual(["s1", undefined]);
  });

  it("an unsigned turn gets the skip placeholder on its first call, only for validating models", () => {
    expect(signaturesForTurn([call("a"), call("b")], "gemini-3-flash-preview")).toEqual([SKIP_SIGNATURE_VALIDATOR, undefined]);
    expect(signaturesForTurn([call("a")], "gemini-2.5-flash")).toEqual([undefined]);
    expect(signaturesForTurn([], "gemini-3-flash-preview")).toEqual([]);
  });
});

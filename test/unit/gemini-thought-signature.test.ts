import { describe, expect, it } from "vitest";
import { toolCallSchema } from "../../src/openai/schemas";
import {
  MAX_SIGNATURE_IN_ID,
  SKIP_SIGNATURE_VALIDATOR,
  signatureExtraContent,
  signatureFromToolCallId,
  signaturesForTurn,
  signedToolCallId,
  thoughtSignatureOf,
  validatesThoughtSignatures,
} from "../../src/providers/gemini/thought-signature";

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

describe("the signature inside the tool call id the router issues", () => {
  const sig = btoa("an opaque thought signature ~~ with bytes that map to + and / \xff\xfe");

  it("round trip through the id alone, for signatures of every padding", () => {
    for (const s of [sig, btoa("a"), btoa("ab"), btoa("abc")]) {
      const id = signedToolCallId("call_0123abcd", s);
      expect(id).toMatch(/^call_0123abcd_sig_[A-Za-z0-9_-]+$/);
      expect(signatureFromToolCallId(id)).toBe(s);
      // A client that rebuilds the call from {id, type, function} still sends it back.
      expect(thoughtSignatureOf(call(id))).toBe(s);
    }
  });

  it("extra_content wins over the id when both are present", () => {
    expect(thoughtSignatureOf(call(signedToolCallId("call_1", btoa("old")), signatureExtraContent("bmV3")))).toBe("bmV3");
  });

  it("an oversized or non-base64 signature stays out of the id (bounded)", () => {
    const long = btoa("x".repeat(MAX_SIGNATURE_IN_ID));
    expect(signedToolCallId("call_1", long)).toBe("call_1");
    expect(signedToolCallId("call_1", "not base64!")).toBe("call_1");
    expect(signedToolCallId("call_1", "YWJj")).toBe("call_1_sig_YWJj");
  });

  it("an id the router did not issue carries no signature, and a validating model gets the placeholder", () => {
    for (const id of ["call_abc123", "toolu_01A09q90qw90lq917835lq9", "call_abc_sig_", "call_x_sig_a", "call-1_sig_YWJj"]) expect(signatureFromToolCallId(id)).toBeUndefined();
    expect(signaturesForTurn([call("call_abc123")], "gemini-3-flash-preview")).toEqual([SKIP_SIGNATURE_VALIDATOR]);
    expect(signaturesForTurn([call(signedToolCallId("call_1", "YWJj"))], "gemini-3-flash-preview")).toEqual(["YWJj"]);
  });
});

/**
 * The depth check before every JSON.parse (request bodies, upstream events). It takes a fast
 * path when the text cannot nest too deep (issue 10): these tests hold the fast and the exact
 * scan to the same answer as the parsed value's real depth, brackets inside strings included.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findTooDeep } from "../../src/openai/json-depth";

/** The real nesting depth of a parsed value (a scalar is 0, `[]` is 1). */
function depthOf(v: unknown): number {
  if (v === null || typeof v !== "object") return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + children.reduce<number>((m, c) => Math.max(m, depthOf(c)), 0);
}

/** A value nested exactly `depth` levels, alternating objects and arrays, with bracket-laden strings beside it. */
function nested(depth: number, noise: string): unknown {
  let v: unknown = noise;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v, noise] : { [`k${i}${noise}`]: v, s: noise };
  return v;
}

const bracketNoise = fc.string({ unit: fc.constantFrom("{", "[", "}", "]", '"', "\\", "a", " "), maxLength: 40 });

describe("findTooDeep", () => {
  it("agrees with the parsed depth around the bound, whatever brackets the strings hold", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 80 }), bracketNoise, fc.integer({ min: 1, max: 70 }), (depth, noise, max) => {
        const text = JSON.stringify(nested(depth, noise));
        expect(depthOf(JSON.parse(text))).toBe(depth);
        expect(findTooDeep(text, max) !== undefined).toBe(depth > max);
      }),
      { seed: 20261201, numRuns: 2000 },
    );
  });

  it("is not fooled by many brackets inside strings (the fast path's count is only an upper bound)", () => {
    const text = JSON.stringify({ code: "{[".repeat(500), list: [[["x"]]] });
    expect(findTooDeep(text, 64)).toBeUndefined();
    expect(findTooDeep(text, 4)).toBeUndefined();
    expect(findTooDeep(text, 3)).toEqual({ path: ["list", 0, 0] });
  });

  it("names where the bound was crossed", () => {
    const text = JSON.stringify({ model: "m", tools: [{ function: { parameters: nested(70, "") } }] });
    expect(findTooDeep(text, 64)).toEqual({ path: ["tools", 0, "function", "parameters"] });
  });

  it("counts unbalanced and malformed text without throwing (JSON.parse judges it afterwards)", () => {
    expect(findTooDeep("[".repeat(65), 64)).toEqual({ path: [0, 0, 0, 0] });
    expect(findTooDeep("]".repeat(100) + "[".repeat(64), 64)).toBeUndefined();
    expect(findTooDeep(`"${"[".repeat(100)}`, 64)).toBeUndefined();
  });
});

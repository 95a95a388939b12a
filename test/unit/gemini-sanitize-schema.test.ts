import { describe, expect, it } from "vitest";
import { MAX_SCHEMA_DEPTH, MAX_SCHEMA_NODES, toGeminiSchema } from "../../src/providers/gemini/sanitize-schema";
import type { GeminiSchema } from "../../src/providers/gemini/wire";
import { GEMINI_SCHEMA_KEYS } from "../fakes/gemini";

function foreignKeys(schema: unknown, at = "$"): string[] {
  if (typeof schema !== "object" || schema === null) return [];
  const s = schema as Record<string, unknown>;
  const bad = Object.keys(s)
    .filter((k) => !GEMINI_SCHEMA_KEYS.has(k))
    .map((k) => `${at}.${k}`);
  for (const [name, sub] of Object.entries((s.properties as Record<string, unknown>) ?? {})) bad.push(...foreignKeys(sub, `${at}.properties.${name}`));
  if (s.items) bad.push(...foreignKeys(s.items, `${at}.items`));
  for (const [i, sub] of ((s.anyOf as unknown[]) ?? []).entries()) bad.push(...foreignKeys(sub, `${at}.anyOf[${i}]`));
  return bad;
}

describe("toGeminiSchema", () => {
  it("drops $schema, additionalProperties and other keywords Gemini rejects, at every depth", () => {
    const out = toGeminiSchema({
      $schema: "http://json-schema.org/draft-07/schema#",
      $id: "urn:x",
      $comment: "c",
      type: "object",
      additionalProperties: false,
      properties: {
        tags: { type: "array", items: { type: "string", format: "email", additionalProperties: false }, uniqueItems: true },
        meta: { type: "object", properties: { a: { type: "number", multipleOf: 2, exclusiveMinimum: 0 } }, patternProperties: { "^x": {} }, additionalProperties: { type: "string" } },
      },
      required: ["tags"],
    });
    expect(foreignKeys(out)).toEqual([]);
    expect(out).toEqual({
      type: "OBJECT",
      properties: { tags: { type: "ARRAY", items: { type: "STRING" } }, meta: { type: "OBJECT", properties: { a: { type: "NUMBER" } } } },
      required: ["tags"],
    });
  });

  it("keeps the supported constraints and formats", () => {
    expect(
      toGeminiSchema({ type: "string", format: "date-time", minLength: 1, maxLength: 30, pattern: "^\\d", title: "T", description: "D", default: "x", examples: ["2024-01-01T00:00:00Z"] }),
    ).toEqual({ type: "STRING", format: "date-time", minLength: 1, maxLength: 30, pattern: "^\\d", title: "T", description: "D", default: "x", example: "2024-01-01T00:00:00Z" });
    expect(toGeminiSchema({ type: "integer", format: "int64", minimum: 0, maximum: 9 })).toEqual({ type: "INTEGER", format: "int64", minimum: 0, maximum: 9 });
    expect(toGeminiSchema({ type: "array", items: { type: "boolean" }, minItems: 1, maxItems: 3 })).toEqual({ type: "ARRAY", items: { type: "BOOLEAN" }, minItems: 1, maxItems: 3 });
  });

  it("inlines $ref from $defs and definitions, bounding recursion", () => {
    const out = toGeminiSchema({
      type: "object",
      properties: { home: { $ref: "#/$defs/Address", description: "Where they live" }, work: { $ref: "#/definitions/Address" } },
      $defs: { Address: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
      definitions: { Address: { type: "object", properties: { street: { type: "string" } } } },
    });
    expect(out!.properties!.home).toEqual({ type: "OBJECT", properties: { city: { type: "STRING" } }, required: ["city"], description: "Where they live" });
    expect(foreignKeys(out)).toEqual([]);
    const recursive = toGeminiSchema({ $ref: "#/$defs/Node", $defs: { Node: { type: "object", properties: { child: { $ref: "#/$defs/Node" } } } } });
    expect(foreignKeys(recursive)).toEqual([]);
    expect(recursive!.type).toBe("OBJECT");
  });

  it("nullable unions and oneOf → nullable / anyOf", () => {
    expect(toGeminiSchema({ type: ["string", "null"] })).toEqual({ type: "STRING", nullable: true });
    expect(toGeminiSchema({ anyOf: [{ type: "string" }, { type: "null" }] })).toEqual({ type: "STRING", nullable: true });
    expect(toGeminiSchema({ oneOf: [{ type: "string" }, { type: "number" }] })).toEqual({ anyOf: [{ type: "STRING" }, { type: "NUMBER" }] });
    expect(toGeminiSchema({ type: ["string", "integer"] })).toEqual({ anyOf: [{ type: "STRING" }, { type: "INTEGER" }] });
  });

  it("const and string enums → enum; non-string enums become guidance", () => {
    expect(toGeminiSchema({ const: "yes" })).toEqual({ type: "STRING", enum: ["yes"] });
    expect(toGeminiSchema({ type: "string", enum: ["a", "b", null] })).toEqual({ type: "STRING", enum: ["a", "b"], nullable: true });
    expect(toGeminiSchema({ type: "integer", enum: [1, 2] })).toEqual({ type: "INTEGER", description: "One of: 1, 2." });
  });

  it("allOf merges properties and required", () => {
    expect(
      toGeminiSchema({
        allOf: [{ type: "object", properties: { a: { type: "string" } }, required: ["a"] }, { $ref: "#/$defs/B" }],
        $defs: { B: { properties: { b: { type: "number" } }, required: ["b"] } },
      }),
    ).toEqual({ type: "OBJECT", properties: { a: { type: "STRING" }, b: { type: "NUMBER" } }, required: ["a", "b"] });
  });

  it("an object without properties loses the empty map; required names only known properties", () => {
    expect(toGeminiSchema({ type: "object", properties: {}, required: ["x"] })).toEqual({ type: "OBJECT" });
    expect(toGeminiSchema({ type: "object", properties: { a: { type: "string" } }, required: ["a", "ghost"] })).toEqual({ type: "OBJECT", properties: { a: { type: "STRING" } }, required: ["a"] });
  });

  it("an unconstrained schema is undefined", () => {
    expect(toGeminiSchema({})).toBeUndefined();
    expect(toGeminiSchema({ $schema: "x", additionalProperties: true })).toBeUndefined();
    expect(toGeminiSchema(undefined)).toBeUndefined();
  });
});

describe("bounded by itself (issue 11 finding 1)", () => {
  /** A schema `levels` properties deep, built without recursion. */
  function deepSchema(levels: number): Record<string, unknown> {
    let s: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < levels; i++) s = { type: "object", properties: { a: s } };
    return s;
  }

  function depthOf(schema: GeminiSchema | undefined): number {
    let depth = 0;
    let level: GeminiSchema[] = schema ? [schema] : [];
    while (level.length > 0) {
      depth++;
      level = level.flatMap((s) => [...Object.values(s.properties ?? {}), ...(s.items ? [s.items] : []), ...(s.anyOf ?? [])]);
    }
    return depth;
  }

  it("a schema 3,000 levels deep converts without blowing the stack; past MAX_SCHEMA_DEPTH it is open", () => {
    const out = toGeminiSchema(deepSchema(3_000));
    // Levels 0…MAX_SCHEMA_DEPTH converted, then one open schema ({}) as the leaf.
    expect(depthOf(out)).toBe(MAX_SCHEMA_DEPTH + 2);
    expect(out).toMatchObject({ type: "OBJECT", properties: { a: { type: "OBJECT" } } });
  });

  it("a $ref bomb (each definition referring to the next ten times) stays within MAX_SCHEMA_NODES", () => {
    const $defs: Record<string, unknown> = { d8: { type: "string" } };
    for (let i = 7; i >= 0; i--) $defs[`d${i}`] = { type: "object", properties: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`p${k}`, { $ref: `#/$defs/d${i + 1}` }])) };
    const out = toGeminiSchema({ $ref: "#/$defs/d0", $defs });
    let nodes = 0;
    const stack: GeminiSchema[] = out ? [out] : [];
    while (stack.length > 0) {
      const s = stack.pop()!;
      nodes++;
      stack.push(...Object.values(s.properties ?? {}), ...(s.items ? [s.items] : []), ...(s.anyOf ?? []));
    }
    expect(nodes).toBeLessThanOrEqual(MAX_SCHEMA_NODES + 1);
    expect(nodes).toBeGreaterThan(1_000);
  });
});

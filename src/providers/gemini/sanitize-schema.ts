/**
 * JSON Schema (as OpenAI clients send it) → the OpenAPI 3.0 subset Gemini accepts for
 * `responseSchema` and function `parameters`. Gemini answers 400 "Unknown name …" for any
 * keyword outside its Schema message (`$schema`, `additionalProperties`, `$ref`, …), so
 * this keeps a whitelist rather than deleting a blacklist. What has a faithful equivalent
 * is translated (`$ref` inlined, `oneOf` → `anyOf`, `["x","null"]` → `nullable`, `const`
 * → `enum`); what has none is dropped, since the schema only guides generation.
 */
import type { GeminiSchema } from "./wire";
import { isObject } from "../../lib/is-object";

type Json = Record<string, unknown>;

const TYPES = {
  string: "STRING",
  number: "NUMBER",
  integer: "INTEGER",
  boolean: "BOOLEAN",
  array: "ARRAY",
  object: "OBJECT",
} as const satisfies Record<string, NonNullable<GeminiSchema["type"]>>;

/** Formats Gemini accepts, per type; any other format is rejected upstream. */
const FORMATS: Partial<Record<NonNullable<GeminiSchema["type"]>, readonly string[]>> = {
  STRING: ["enum", "date-time"],
  NUMBER: ["float", "double"],
  INTEGER: ["int32", "int64"],
};

const COPIED_NUMBERS = ["minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength", "minimum", "maximum"] as const;

/** Recursive `$ref`s cannot be expressed in Gemini's schema; past this depth a ref becomes an open schema. */
const MAX_REF_DEPTH = 8;

/**
 * Nested schemas converted (properties, items, branches); deeper ones become open schemas.
 * The request bound (openai/limits.ts MAX_JSON_DEPTH) already keeps a client's schema
 * shallower, but inlined `$ref`s nest again: this keeps the recursion bounded by itself.
 */
export const MAX_SCHEMA_DEPTH = 32;

/**
 * Schemas converted for one request, in all. `$ref`s are inlined, so a few KB of `$defs`
 * that each refer to the next several times would otherwise expand exponentially.
 */
export const MAX_SCHEMA_NODES = 5_000;

/** One conversion's shared state: the definitions and what is left of the node budget. */
interface Walk {
  defs: Json;
  nodes: number;
}

/** Returns undefined for a schema that constrains nothing (`{}`, `true`). */
export function toGeminiSchema(schema: unknown): GeminiSchema | undefined {
  if (!isObject(schema)) return undefined;
  const defs = { ...(isObject(schema.definitions) ? schema.definitions : {}), ...(isObject(schema.$defs) ? schema.$defs : {}) };
  const out = convert(schema, { defs, nodes: MAX_SCHEMA_NODES }, 0, 0);
  return Object.keys(out).length > 0 ? out : undefined;
}

function convert(schema: Json, walk: Walk, refDepth: number, depth: number): GeminiSchema {
  // Past either bound the schema stops constraining: it only guides generation.
  if (depth > MAX_SCHEMA_DEPTH || walk.nodes <= 0) return {};
  walk.nodes--;
  const defs = walk.defs;
  const sub = (s: Json, refs = refDepth) => convert(s, walk, refs, depth + 1);
  const same = (s: Json, refs = refDepth) => convert(s, walk, refs, depth);
  if (typeof schema.$ref === "string") {
    const target = resolveRef(schema.$ref, defs);
    // Siblings of $ref (a description, say) still apply to the inlined schema.
    const { $ref: _ref, ...siblings } = schema;
    if (!target || refDepth >= MAX_REF_DEPTH) return same(siblings);
    return { ...same(target, refDepth + 1), ...same(siblings) };
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    const { allOf, ...rest } = schema;
    if (refDepth >= MAX_REF_DEPTH) return same(rest);
    const parts = allOf.filter(isObject).map((part) => inlineRef(part, defs));
    return same(mergeAll([rest, ...parts]), refDepth + 1);
  }

  const out: GeminiSchema = {};
  const { type, nullable } = mapType(schema.type);
  if (nullable || schema.nullable === true) out.nullable = true;

  const alternatives = (Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : []).filter(isObject);
  if (Array.isArray(type)) {
    // Several non-null types ("type": ["string", "number"]) only exist in Gemini as anyOf.
    out.anyOf = type.map((t) => ({ ...sub({ ...schema, type: undefined, anyOf: undefined, oneOf: undefined }), type: t }));
    return out;
  }
  if (type) out.type = type;
  if (alternatives.length > 0) {
    const branches = alternatives.filter((b) => b.type !== "null").map((b) => sub(b));
    if (branches.length < alternatives.length) out.nullable = true;
    if (branches.length === 1) Object.assign(out, branches[0], out.nullable ? { nullable: true } : {});
    else if (branches.length > 1) out.anyOf = branches;
  }

  if (typeof schema.title === "string") out.title = schema.title;
  if (typeof schema.description === "string") out.description = schema.description;
  if (typeof schema.format === "string" && out.type && FORMATS[out.type]?.includes(schema.format)) out.format = schema.format;
  if (typeof schema.pattern === "string") out.pattern = schema.pattern;
  for (const key of COPIED_NUMBERS) if (typeof schema[key] === "number") out[key] = schema[key];
  if ("default" in schema && schema.default !== undefined) out.default = schema.default;
  if ("example" in schema) out.example = schema.example;
  else if (Array.isArray(schema.examples) && schema.examples.length > 0) out.example = schema.examples[0];

  applyEnum(out, schema);

  if (isObject(schema.properties)) {
    const properties: Record<string, GeminiSchema> = {};
    for (const [name, prop] of Object.entries(schema.properties)) properties[name] = isObject(prop) ? sub(prop) : {};
    const names = Object.keys(properties);
    // Gemini rejects an OBJECT whose properties map is empty.
    if (names.length > 0) {
      out.properties = properties;
      const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string" && r in properties) : [];
      if (required.length > 0) out.required = required;
      if (!out.type) out.type = "OBJECT";
    }
  }
  if (isObject(schema.items)) {
    out.items = sub(schema.items);
    if (!out.type) out.type = "ARRAY";
  } else if (Array.isArray(schema.items) || Array.isArray(schema.prefixItems)) {
    // Tuples: Gemini has one item schema per array, so the positions become alternatives.
    const tuple = (Array.isArray(schema.items) ? schema.items : (schema.prefixItems as unknown[])).filter(isObject);
    if (tuple.length === 1) out.items = sub(tuple[0]!);
    else if (tuple.length > 1) out.items = { anyOf: tuple.map((t) => sub(t)) };
  }
  return out;
}

function mapType(raw: unknown): { type?: GeminiSchema["type"] | NonNullable<GeminiSchema["type"]>[]; nullable: boolean } {
  const list = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((t): t is string => typeof t === "string");
  const nullable = list.includes("null");
  const types = [
    ...new Set(
      list
        .filter((t) => t !== "null")
        .map((t) => TYPES[t as keyof typeof TYPES])
        .filter((t) => t !== undefined),
    ),
  ];
  if (types.length === 0) return { nullable };
  if (types.length === 1) return { type: types[0], nullable };
  return { type: types, nullable };
}

function applyEnum(out: GeminiSchema, schema: Json): void {
  const values = "const" in schema ? [schema.const] : Array.isArray(schema.enum) ? schema.enum : undefined;
  if (!values) return;
  if (values.includes(null)) out.nullable = true;
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return;
  if (present.every((v) => typeof v === "string") && (!out.type || out.type === "STRING")) {
    out.type = "STRING";
    out.enum = present as string[];
    return;
  }
  // Gemini's enum is string-only; for other types the allowed values become guidance text.
  const hint = `One of: ${present.map((v) => JSON.stringify(v)).join(", ")}.`;
  out.description = out.description ? `${out.description} ${hint}` : hint;
}

function resolveRef(ref: string, defs: Json): Json | undefined {
  const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
  if (!m) return undefined;
  const name = m[1]!.replaceAll("~1", "/").replaceAll("~0", "~");
  const target = defs[name];
  return isObject(target) ? target : undefined;
}

/** One level of `$ref` inlined, so allOf members merge by content rather than by reference. */
function inlineRef(part: Json, defs: Json): Json {
  if (typeof part.$ref !== "string") return part;
  const { $ref, ...siblings } = part;
  const target = resolveRef($ref, defs);
  return target ? { ...target, ...siblings } : siblings;
}

/** allOf → one schema: properties and required are unioned, other keywords last-wins. */
function mergeAll(parts: Json[]): Json {
  const merged: Json = {};
  const properties: Json = {};
  const required = new Set<string>();
  for (const p of parts) {
    for (const [k, v] of Object.entries(p)) {
      if (k === "properties" && isObject(v)) Object.assign(properties, v);
      else if (k === "required" && Array.isArray(v)) {
        for (const r of v) if (typeof r === "string") required.add(r);
      } else merged[k] = v;
    }
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}

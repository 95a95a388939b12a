/**
 * The request path's fast read of a chunk event (DESIGN.md § Cost per request): most events
 * are a plain text delta, and running chunkSchema on each cost a tenth of a millisecond per
 * answer. `plainChunk` accepts only shapes where chunkSchema's answer is known — the same
 * values, kept fields and null handling — and returns undefined for anything else, which
 * then goes through chunkSchema as before (tool calls, odd types, errors with a path).
 */
import type { WireChunk } from "./wire";
import { isObject } from "../../lib/is-object";

type Json = Record<string, unknown>;
type WireChoice = WireChunk["choices"][number];

const absent = (v: unknown) => v === undefined || v === null;
const isNum = (v: unknown): v is number => typeof v === "number";

/** The output chunkSchema gives for `json` (choices already filtered to objects), or undefined when that needs the schema. */
export function plainChunk(json: Json, choices: Json[]): WireChunk | undefined {
  if (typeof json.id !== "string" || typeof json.object !== "string" || !isNum(json.created) || typeof json.model !== "string") return undefined;
  const usage = json.usage;
  if (!absent(usage) && !(isObject(usage) && isNum(usage.prompt_tokens) && isNum(usage.completion_tokens) && isNum(usage.total_tokens))) return undefined;
  const fingerprint = json.system_fingerprint;
  if (!absent(fingerprint) && typeof fingerprint !== "string") return undefined;
  const out: WireChoice[] = [];
  for (const c of choices) {
    const choice = plainChoice(c);
    if (!choice) return undefined;
    out.push(choice);
  }
  const chunk = { ...json, object: "chat.completion.chunk", choices: out } as WireChunk;
  // chunkSchema's `nullable` fields read a null as absent (the key stays, as undefined).
  if (fingerprint === null) chunk.system_fingerprint = undefined;
  return chunk;
}

function plainChoice(c: Json): WireChoice | undefined {
  if (c.index !== undefined && !isNum(c.index)) return undefined;
  if (!absent(c.finish_reason) && typeof c.finish_reason !== "string") return undefined;
  const delta = c.delta;
  if (!absent(delta)) {
    if (!isObject(delta)) return undefined;
    if (!absent(delta.role) && delta.role !== "assistant") return undefined;
    if (!absent(delta.content) && typeof delta.content !== "string") return undefined;
    // Tool-call deltas have their own nested shape: the schema reads them.
    if (!absent(delta.tool_calls)) return undefined;
    if (!absent(delta.reasoning) && typeof delta.reasoning !== "string") return undefined;
  }
  const out = { ...c, index: c.index ?? 0 } as WireChoice;
  if (isObject(delta) && (delta.role === null || delta.tool_calls === null || delta.reasoning === null)) {
    const d: Json = { ...delta };
    for (const k of ["role", "tool_calls", "reasoning"]) if (d[k] === null) d[k] = undefined;
    out.delta = d as WireChoice["delta"];
  }
  return out;
}

/**
 * Request body reading and validation: size limit before parsing (also for chunked
 * bodies), JSON content type, JSON syntax, zod schema — each failure a 400/413 envelope
 * naming the parameter.
 */
import type * as z from "zod/mini";
import "../lib/zod-locale";
import { ApiError, invalidRequest } from "./errors";
import { findTooDeep } from "./json-depth";
import { MAX_JSON_DEPTH } from "./limits";

export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json" && !type.endsWith("+json")) {
    throw new ApiError(400, `Content-Type must be application/json (got ${type ? JSON.stringify(type) : "none"})`, {
      code: "invalid_content_type",
    });
  }
  const text = await readBounded(req, maxBytes);
  if (text.trim() === "") throw invalidRequest("Request body is empty; expected a JSON object", null, "invalid_json");
  // Before parsing: the parse, the schema and every converter after them may recurse.
  const deep = findTooDeep(text, MAX_JSON_DEPTH);
  if (deep) {
    const param = typeof deep.path[0] === "string" ? formatPath(deep.path) : null;
    const what = param ? `Invalid value for '${param}': it` : "The request body";
    throw invalidRequest(`${what} nests deeper than ${MAX_JSON_DEPTH} levels (MAX_JSON_DEPTH)`, param, "nesting_too_deep");
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidRequest(`Request body is not valid JSON: ${(err as Error).message}`, null, "invalid_json");
  }
}

async function readLimited(body: ReadableStream<Uint8Array> | null, maxBytes: number, limitName?: string): Promise<string> {
  if (!body) return "";
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes, limitName);
    }
    parts.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return new TextDecoder().decode(all);
}

/**
 * A text body (e.g. YAML) whose Content-Type is one of `types`, under the same size rules
 * as JSON bodies; `limitName` is what the 413 names as the limit.
 */
export async function readTextBody(req: Request, maxBytes: number, types: readonly string[], limitName = "MAX_BODY_BYTES"): Promise<string> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!types.includes(type)) {
    const expected = types.length === 1 ? types[0] : `one of ${types.join(", ")}`;
    throw new ApiError(400, `Content-Type must be ${expected} (got ${type ? JSON.stringify(type) : "none"})`, {
      code: "invalid_content_type",
    });
  }
  return readBounded(req, maxBytes, limitName);
}

/**
 * The body as text under the byte limit. With a Content-Length within it, the runtime's own
 * read (the HTTP framing bounds it) is far cheaper than pulling chunks through JS; the byte
 * count is still checked, exactly, when the text could be over (UTF-8: ≤ 3 bytes per unit).
 */
async function readBounded(req: Request, maxBytes: number, limitName?: string): Promise<string> {
  const declared = Number(req.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes, limitName);
  if (!Number.isFinite(declared)) return readLimited(req.body, maxBytes, limitName);
  const text = await req.text();
  if (text.length * 3 > maxBytes && encoder.encode(text).byteLength > maxBytes) throw tooLarge(maxBytes, limitName);
  return text;
}

const encoder = new TextEncoder();

function tooLarge(maxBytes: number, limitName = "MAX_BODY_BYTES"): ApiError {
  return new ApiError(413, `Request body exceeds the ${maxBytes}-byte limit (${limitName})`, {
    type: "invalid_request_error",
    code: "request_too_large",
  });
}

export function validate<S extends z.ZodMiniType>(schema: S, value: unknown): z.infer<S> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidRequest("Request body must be a JSON object", null, "invalid_type");
  }
  // reportInput tells a missing field (input undefined; JSON has no undefined) from a wrong one.
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  const issue = deepestIssue(r.error.issues);
  const param = formatPath(issue.path);
  if (param && issue.code === "invalid_type" && issue.input === undefined) {
    throw invalidRequest(`Missing required parameter: '${param}'`, param, "missing_required_parameter");
  }
  const message = param ? `Invalid value for '${param}': ${issue.message}` : issue.message;
  throw invalidRequest(message, param || null, "invalid_value");
}

type Issue = z.core.$ZodIssue;

/**
 * For unions, the branch that got furthest explains the problem best; on a tie, a branch
 * whose type matched (`stop: [5 strings]` is too long, not "expected string").
 */
function deepestIssue(issues: readonly Issue[]): Issue {
  return issues.map(resolveUnion).reduce((a, b) => (rank(b) > rank(a) ? b : a));
}

const rank = (issue: Issue) => issue.path.length * 2 + (issue.code === "invalid_type" ? 0 : 1);

function resolveUnion(issue: Issue): Issue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  const branches = issue.errors.flat();
  // Every branch refused the type itself: say which types would do.
  if (branches.every((b) => b.code === "invalid_type" && b.path.length === 0)) {
    const expected = [...new Set(branches.map((b) => (b.code === "invalid_type" ? b.expected : "")))];
    return { ...branches[0]!, path: issue.path, message: `Invalid input: expected ${expected.join(" or ")}` } as Issue;
  }
  const inner = deepestIssue(branches);
  // Branch issues are relative to the union itself.
  return { ...inner, path: [...issue.path, ...inner.path] } as Issue;
}

/** ["messages", 0, "role"] → "messages[0].role" (OpenAI's own notation). */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

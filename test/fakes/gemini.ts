/**
 * A fake Google Gemini API (v1beta) speaking the real wire format: `:generateContent`,
 * `:streamGenerateContent` (`alt=sse` framing with CRLF, or a JSON array without it),
 * `:batchEmbedContents`, paged `GET /models`, usageMetadata, function calls with thought
 * signatures, every finish reason, and Google's error envelope. Like Google it rejects
 * request fields it does not know (so a schema keyword such as `additionalProperties`
 * fails here as it would there). Unlike Google it refuses an API key in the URL: the
 * router must only ever send it in `x-goog-api-key`.
 *
 * Faults are chosen by model name (test/fakes/faults.ts), plus Gemini's own:
 *   safety[:CATEGORY]         finishReason SAFETY, that category flagged blocked
 *   recitation                some text, then finishReason RECITATION
 *   max-tokens                partial text, then finishReason MAX_TOKENS
 *   malformed-function-call   finishReason MALFORMED_FUNCTION_CALL, no content
 *   unknown-finish            an empty candidate with finishReason OTHER
 *   prompt-blocked[:REASON]   promptFeedback.blockReason (SAFETY by default), no candidates
 *   resource-exhausted[:delay][:once]  429 RESOURCE_EXHAUSTED with RetryInfo.retryDelay ("17s")
 *   unauthenticated | permission-denied | invalid-argument | unknown-model | context-length
 *   (JSON mode)               with responseMimeType application/json: {"answer": "Hello from google <model>"}
 *   tools                     turn 1: a functionCall with a thoughtSignature; turn 2 (history
 *                             carries a functionResponse): 400 unless each replayed call
 *                             carries the signature issued for it, else a text answer
 *   <model>:tools             the same, under a model name of the caller's choosing (a Gemini 3
 *                             name, e.g. gemini-3-flash-preview:tools, is one the router knows
 *                             validates signatures, so it sends Google's placeholder for ids it
 *                             did not issue)
 */
import { answerTokens, fakeVector, parseFault, sleep } from "./faults";
import { transportFault, sendJson, startFake, untilClosed, type FakeContext, type FakeServer } from "./server";

const GEMINI_FAKE_KEY = "goog-fake-secret";
/** Google's documented placeholder that skips signature validation. */
const SKIP_VALIDATOR = "skip_thought_signature_validator";

/** The models GET /models lists (aqa is not servable by the router and must be filtered). */
const MODELS = [
  { name: "models/gemini-2.5-flash", methods: ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"] },
  { name: "models/gemini-2.5-pro", methods: ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"] },
  { name: "models/gemini-3-flash-preview", methods: ["generateContent", "countTokens"] },
  { name: "models/aqa", methods: ["generateAnswer"] },
  { name: "models/text-embedding-004", methods: ["embedContent"] },
  { name: "models/gemini-embedding-001", methods: ["embedContent", "countTextTokens", "countTokens", "asyncBatchEmbedContent"] },
];

/** Signatures handed out per model name, so turn 2 can be checked against turn 1. */
const issuedSignatures = new Map<string, Set<string>>();

export function startFakeGemini(): Promise<FakeServer> {
  return startFake("gemini", handle);
}

interface GoogleErrorInit {
  code: number;
  status: string;
  message: string;
  details?: unknown[];
}

function sendError(ctx: FakeContext, e: GoogleErrorInit): void {
  sendJson(ctx.res, e.code, { error: { code: e.code, message: e.message, status: e.status, ...(e.details ? { details: e.details } : {}) } });
}

const invalid = (message: string): GoogleErrorInit => ({ code: 400, status: "INVALID_ARGUMENT", message });

async function handle(ctx: FakeContext): Promise<void> {
  const { entry, req } = ctx;
  const url = new URL(entry.url, "http://fake");
  if (url.searchParams.has("key")) {
    return sendError(ctx, invalid("fake Gemini: the API key arrived in the URL (?key=); send it only in the x-goog-api-key header"));
  }
  const key = entry.headers["x-goog-api-key"];
  if (key === undefined) {
    return sendError(ctx, {
      code: 403,
      status: "PERMISSION_DENIED",
      message: "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    });
  }
  if (key !== GEMINI_FAKE_KEY) {
    return sendError(ctx, {
      code: 400,
      status: "INVALID_ARGUMENT",
      message: "API key not valid. Please pass a valid API key.",
      details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com", metadata: { service: "generativelanguage.googleapis.com" } }],
    });
  }

  const path = url.pathname.replace(/^\/v1beta\//, "");
  if (req.method === "GET" && path === "models") return listModels(ctx, url);
  const m = /^models\/(.+):(generateContent|streamGenerateContent|batchEmbedContents)$/.exec(path);
  if (req.method !== "POST" || !m) {
    return sendError(ctx, { code: 404, status: "NOT_FOUND", message: `fake Gemini: no route for ${req.method} ${url.pathname}` });
  }
  const model = decodeURIComponent(m[1]!);
  entry.model = model;
  if (await preAnswerFault(ctx, model)) return;
  if (m[2] === "batchEmbedContents") return embed(ctx, model);
  const problem = validateGenerateRequest(ctx.body);
  if (problem) return sendError(ctx, invalid(problem));
  const events = answer(ctx, model);
  if (!Array.isArray(events)) return sendError(ctx, events);
  if (m[2] === "generateContent") return sendJson(ctx.res, 200, merge(events));
  if (url.searchParams.get("alt") !== "sse") return sendJson(ctx.res, 200, events);
  return stream(ctx, model, events);
}

function listModels(ctx: FakeContext, url: URL): void {
  // Google caps pages at 1000; the fake caps at 4 so that paging is always exercised.
  const size = Math.max(1, Math.min(4, Number(url.searchParams.get("pageSize") ?? 50) || 50));
  const start = Number(/^page-(\d+)$/.exec(url.searchParams.get("pageToken") ?? "")?.[1] ?? 0);
  const page = MODELS.slice(start, start + size).map((m) => ({
    name: m.name,
    version: "001",
    displayName: m.name.replace("models/", ""),
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
    supportedGenerationMethods: m.methods,
  }));
  const next = start + size < MODELS.length ? { nextPageToken: `page-${start + size}` } : {};
  sendJson(ctx.res, 200, { models: page, ...next });
}

/** Faults that answer before any content; true when it answered. */
async function preAnswerFault(ctx: FakeContext, model: string): Promise<boolean> {
  const f = parseFault(model);
  if (await transportFault(ctx, f, model)) return true;
  switch (f.name) {
    case "status": {
      const code = Number(f.args[0]);
      if (f.args[1] === "once" && !ctx.firstTime(`status:${model}`)) return false;
      const status = code === 503 ? "UNAVAILABLE" : code === 504 ? "DEADLINE_EXCEEDED" : code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
      sendError(ctx, { code, status, message: code === 503 ? "The model is overloaded. Please try again later." : `fake failure ${code}` });
      return true;
    }
    case "resource-exhausted": {
      if (f.args[1] === "once" && !ctx.firstTime(`re:${model}`)) return false;
      const delay = f.args[0] ?? "17s";
      sendError(ctx, {
        code: 429,
        status: "RESOURCE_EXHAUSTED",
        message: `You exceeded your current quota, please check your plan and billing details. Please retry in ${delay}.`,
        details: [
          {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            violations: [{ quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests", quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier", quotaValue: "10" }],
          },
          { "@type": "type.googleapis.com/google.rpc.Help", links: [{ description: "Learn more about Gemini API quotas", url: "https://ai.google.dev/gemini-api/docs/rate-limits" }] },
          { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: delay },
        ],
      });
      return true;
    }
    case "unauthenticated":
      sendError(ctx, {
        code: 401,
        status: "UNAUTHENTICATED",
        message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
      });
      return true;
    case "permission-denied":
      sendError(ctx, { code: 403, status: "PERMISSION_DENIED", message: "Permission denied: Consumer has been suspended." });
      return true;
    case "invalid-argument":
      sendError(ctx, invalid("* GenerateContentRequest.generation_config.temperature: must be between 0 and 2\n"));
      return true;
    case "unknown-model":
      sendError(ctx, {
        code: 404,
        status: "NOT_FOUND",
        message: `models/${model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
      });
      return true;
    case "context-length":
      sendError(ctx, invalid("The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."));
      return true;
  }
  return false;
}

type Json = Record<string, unknown>;
type Event = Json;

interface Turn {
  role?: string;
  parts?: Json[];
}

function answer(ctx: FakeContext, model: string): Event[] | GoogleErrorInit {
  const f = parseFault(model);
  const body = ctx.body as { contents: Turn[] };
  const images = body.contents.flatMap((c) => c.parts ?? []).filter((p) => p.inlineData || p.fileData).length;
  const prompt = 11 + 258 * images;
  const responseId = `fake-${Math.random().toString(36).slice(2, 12)}`;
  const base = { modelVersion: model, responseId };
  const partial = (n: number) => ({ ...base, usageMetadata: { promptTokenCount: prompt, totalTokenCount: prompt + n } });
  const usage = (candidates: number, thoughts = 4) => ({
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + thoughts,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: 11 }, ...(images ? [{ modality: "IMAGE", tokenCount: 258 * images }] : [])],
    ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
  });
  const text = (t: string, extra: Json = {}) => ({ candidates: [{ content: { parts: [{ text: t }], role: "model" }, index: 0, ...extra }] });

  if (f.args[0] === "tools") return toolTurn(ctx, model, body, base, usage);
  switch (f.name) {
    case "safety": {
      const category = f.args[0] ?? "HARM_CATEGORY_DANGEROUS_CONTENT";
      const ratings = ["HARM_CATEGORY_SEXUALLY_EXPLICIT", "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_DANGEROUS_CONTENT"].map((c) =>
        c === category ? { category: c, probability: "HIGH", blocked: true } : { category: c, probability: "NEGLIGIBLE" },
      );
      if (!ratings.some((r) => r.category === category)) ratings.push({ category, probability: "HIGH", blocked: true });
      return [{ ...base, candidates: [{ finishReason: "SAFETY", index: 0, safetyRatings: ratings }], usageMetadata: usage(0, 0) }];
    }
    case "recitation":
      return [
        { ...text("Four score and seven"), ...partial(4) },
        {
          ...text(" years ago", { finishReason: "RECITATION", citationMetadata: { citationSources: [{ startIndex: 0, endIndex: 29, uri: "https://example.com/gettysburg" }] } }),
          ...base,
          usageMetadata: usage(7),
        },
      ];
    case "max-tokens":
      return [
        { ...text("Hello"), ...partial(1) },
        { ...text(" from"), ...partial(2) },
        { ...text(" google", { finishReason: "MAX_TOKENS" }), ...base, usageMetadata: usage(3) },
      ];
    case "malformed-function-call":
      return [
        { ...base, candidates: [{ finishReason: "MALFORMED_FUNCTION_CALL", finishMessage: 'Malformed function call: print(default_api.get_weather(city="Paris"', index: 0 }], usageMetadata: usage(0) },
      ];
    case "unknown-finish":
      return [{ ...base, candidates: [{ content: { parts: [], role: "model" }, finishReason: "OTHER", index: 0 }], usageMetadata: usage(0) }];
    case "prompt-blocked":
      return [
        {
          ...base,
          promptFeedback: {
            blockReason: f.args[0] ?? "SAFETY",
            safetyRatings: [
              { category: "HARM_CATEGORY_HARASSMENT", probability: "HIGH", blocked: true },
              { category: "HARM_CATEGORY_HATE_SPEECH", probability: "LOW" },
            ],
          },
          usageMetadata: { promptTokenCount: prompt, totalTokenCount: prompt },
        },
      ];
    case "empty":
      return [{ ...base, candidates: [{ content: { parts: [{ text: "" }], role: "model" }, finishReason: "STOP", index: 0 }], usageMetadata: usage(0, 0) }];
    case "tools":
      return toolTurn(ctx, model, body, base, usage);
  }

  // JSON mode answers JSON, in pieces (the schema itself is not followed: tests assert it arrived).
  const json = (ctx.body as { generationConfig?: { responseMimeType?: string } }).generationConfig?.responseMimeType === "application/json";
  const answerJson = JSON.stringify({ answer: `Hello from google ${model}` });
  const tokens = json ? [answerJson.slice(0, 3), answerJson.slice(3, 12), answerJson.slice(12)] : answerTokens("google", model);
  if (images > 0) tokens.push(` I see ${images} image${images === 1 ? "" : "s"}.`);
  return tokens.map((t, i) => {
    const last = i === tokens.length - 1;
    return last ? { ...text(t, { finishReason: "STOP" }), ...base, usageMetadata: usage(tokens.length) } : { ...text(t), ...partial(i + 1) };
  });
}

function toolTurn(ctx: FakeContext, model: string, body: { contents: Turn[] }, base: Json, usage: (c: number, t?: number) => Json): Event[] | GoogleErrorInit {
  const issued = issuedSignatures.get(model) ?? new Set<string>();
  issuedSignatures.set(model, issued);
  const answered = body.contents.some((c) => c.parts?.some((p) => p.functionResponse));
  if (!answered) {
    const signature = btoa(`fake-thought-${model}-${issued.size + 1}`);
    issued.add(signature);
    const declared = ((ctx.body as { tools?: Array<{ functionDeclarations?: Array<{ name: string }> }> }).tools ?? [])[0]?.functionDeclarations?.[0]?.name;
    return [
      {
        ...base,
        candidates: [
          {
            content: { parts: [{ functionCall: { name: declared ?? "get_weather", args: { city: "Paris", unit: "c" } }, thoughtSignature: signature }], role: "model" },
            finishReason: "STOP",
            index: 0,
          },
        ],
        usageMetadata: usage(9, 31),
      },
    ];
  }
  // Like Gemini 3: every replayed functionCall must carry back the signature it was issued with.
  for (const [ci, turn] of body.contents.entries()) {
    for (const [pi, part] of (turn.parts ?? []).entries()) {
      const call = part.functionCall as { name?: string } | undefined;
      if (!call) continue;
      const sig = part.thoughtSignature;
      if (typeof sig !== "string") {
        return invalid(
          `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${call.name}\` , position ${pi + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`,
        );
      }
      if (sig !== SKIP_VALIDATOR && !issued.has(sig)) return invalid(`Corrupted thought signature. (contents[${ci}].parts[${pi}])`);
    }
  }
  // The function response must name the function that was called.
  const calls = body.contents
    .flatMap((c) => c.parts ?? [])
    .filter((p) => p.functionCall)
    .map((p) => (p.functionCall as { name: string }).name);
  for (const p of body.contents.flatMap((c) => c.parts ?? []).filter((p) => p.functionResponse)) {
    const name = (p.functionResponse as { name?: string }).name;
    if (!name || !calls.includes(name)) return invalid(`functionResponse.name "${name}" does not match any functionCall in the history`);
  }
  return [{ ...base, candidates: [{ content: { parts: [{ text: "It is 21 degrees in Paris." }], role: "model" }, finishReason: "STOP", index: 0 }], usageMetadata: usage(8, 0) }];
}

/** What `:generateContent` returns: the stream's events folded into one response. */
function merge(events: Event[]): Event {
  if (events.length === 1) return events[0]!;
  const last = events.at(-1)!;
  const text = events.map((e) => ((e.candidates as Array<{ content?: { parts?: Array<{ text?: string }> } }> | undefined)?.[0]?.content?.parts ?? []).map((p) => p.text ?? "").join("")).join("");
  const lastCandidate = (last.candidates as Json[] | undefined)?.[0] ?? {};
  return { ...last, candidates: [{ ...lastCandidate, content: { parts: [{ text }], role: "model" } }] };
}

async function stream(ctx: FakeContext, model: string, events: Event[]): Promise<void> {
  const { res } = ctx;
  const f = parseFault(model);
  res.writeHead(200, { "content-type": "text/event-stream", "x-content-type-options": "nosniff" });
  if (f.name === "headers-silent") return untilClosed(res);
  // Google frames every event with CRLF line ends.
  const send = (payload: string) => res.write(`data: ${payload}\r\n\r\n`);
  if (f.name === "slow-first") await sleep(Number(f.args[0] ?? 0));
  for (const [i, event] of events.entries()) {
    if (res.destroyed) return;
    if (f.name === "cut" && i === Number(f.args[0] ?? 1)) return void res.end();
    if (f.name === "stall" && i === Number(f.args[0] ?? 1)) return untilClosed(res);
    if (f.name === "stream-error" && i === Number(f.args[0] ?? 1)) {
      send(
        JSON.stringify({ error: { code: 500, message: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting", status: "INTERNAL" } }),
      );
      return void res.end();
    }
    if (f.name === "malformed" && i === 2) send("{this is not json");
    send(JSON.stringify(event));
    if (f.name === "pace") await sleep(Number(f.args[0] ?? 0));
  }
  res.end();
}

function embed(ctx: FakeContext, model: string): void {
  const body = ctx.body as { requests?: Array<{ model?: string; content?: { parts?: Array<{ text?: string }> }; outputDimensionality?: number }> };
  if (!Array.isArray(body?.requests) || body.requests.length === 0) return void sendError(ctx, invalid("* BatchEmbedContentsRequest.requests: contents is not specified\n"));
  if (body.requests.length > 100) return void sendError(ctx, invalid("* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch\n"));
  const embeddings = [];
  for (const [i, r] of body.requests.entries()) {
    if (r.model !== `models/${model}`) {
      return void sendError(ctx, invalid(`* BatchEmbedContentsRequest.model: requests[${i}].model "${r.model}" does not match the model in the URL (models/${model})\n`));
    }
    const text = (r.content?.parts ?? []).map((p) => p.text ?? "").join("");
    const v = fakeVector(text);
    const dims = r.outputDimensionality;
    embeddings.push({ values: dims ? Array.from({ length: dims }, (_, k) => v[k % v.length]!) : v });
  }
  sendJson(ctx.res, 200, { embeddings });
}

// ---- request validation: Google rejects what its protos do not define ----

const TOP_LEVEL = new Set(["contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings", "cachedContent"]);
const PART_KEYS = new Set(["text", "inlineData", "fileData", "functionCall", "functionResponse", "thoughtSignature", "thought"]);
const GENERATION_CONFIG = new Set([
  "temperature",
  "topP",
  "topK",
  "maxOutputTokens",
  "stopSequences",
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "candidateCount",
  "responseMimeType",
  "responseSchema",
  "thinkingConfig",
  "responseLogprobs",
  "logprobs",
]);
/** Every key Gemini's Schema message defines; anything else is a 400 upstream (the sanitize-schema tests use it too). */
export const GEMINI_SCHEMA_KEYS: ReadonlySet<string> = new Set([
  "type",
  "format",
  "title",
  "description",
  "nullable",
  "enum",
  "maxItems",
  "minItems",
  "properties",
  "required",
  "minProperties",
  "maxProperties",
  "minLength",
  "maxLength",
  "pattern",
  "example",
  "anyOf",
  "propertyOrdering",
  "default",
  "items",
  "minimum",
  "maximum",
]);
const SCHEMA_TYPES = new Set(["STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL", "string", "number", "integer", "boolean", "array", "object"]);

const unknownName = (name: string, at: string) => `Invalid JSON payload received. Unknown name "${name}" at '${at}': Cannot find field.`;

function validateGenerateRequest(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return "Invalid JSON payload received.";
  const req = body as Json;
  for (const k of Object.keys(req)) if (!TOP_LEVEL.has(k)) return unknownName(k, "");
  if (!Array.isArray(req.contents) || req.contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified\n";
  for (const [i, c] of (req.contents as Turn[]).entries()) {
    if (c.role !== "user" && c.role !== "model") return `Please use a valid role: user, model. (contents[${i}].role: ${String(c.role)})`;
    if (!Array.isArray(c.parts) || c.parts.length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.\n`;
    for (const [j, p] of c.parts.entries()) {
      for (const k of Object.keys(p)) if (!PART_KEYS.has(k)) return unknownName(k, `contents[${i}].parts[${j}]`);
      const data = ["text", "inlineData", "fileData", "functionCall", "functionResponse"].filter((k) => k in p);
      if (data.length !== 1) return `* GenerateContentRequest.contents[${i}].parts[${j}].data: required oneof field 'data' must have one initialized field\n`;
      const inline = p.inlineData as { mimeType?: string; data?: string } | undefined;
      if (inline && (!inline.mimeType || !inline.data)) return `* GenerateContentRequest.contents[${i}].parts[${j}].inline_data: mimeType and data are required\n`;
      const fr = p.functionResponse as { response?: unknown } | undefined;
      if (fr && (typeof fr.response !== "object" || fr.response === null || Array.isArray(fr.response))) {
        return `Invalid value at 'contents[${i}].parts[${j}].function_response.response' (type.googleapis.com/google.protobuf.Struct)`;
      }
    }
  }
  if (notContent(req.systemInstruction)) return "systemInstruction must be a Content object";
  const gc = req.generationConfig as Json | undefined;
  if (gc) {
    for (const k of Object.keys(gc)) if (!GENERATION_CONFIG.has(k)) return unknownName(k, "generation_config");
    if (gc.responseSchema !== undefined) {
      const bad = validateSchema(gc.responseSchema, "generation_config.response_schema");
      if (bad) return bad;
    }
  }
  for (const [t, tool] of ((req.tools as Json[] | undefined) ?? []).entries()) {
    for (const [d, decl] of ((tool.functionDeclarations as Json[] | undefined) ?? []).entries()) {
      if (decl.parameters !== undefined) {
        const bad = validateSchema(decl.parameters, `tools[${t}].function_declarations[${d}].parameters`);
        if (bad) return bad;
      }
    }
  }
  return undefined;
}

function notContent(v: unknown): boolean {
  return v !== undefined && (typeof v !== "object" || v === null || !Array.isArray((v as Json).parts));
}

function validateSchema(schema: unknown, at: string): string | undefined {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return `Invalid value at '${at}': must be an object`;
  const s = schema as Json;
  for (const k of Object.keys(s)) if (!GEMINI_SCHEMA_KEYS.has(k)) return unknownName(k, at);
  if (s.type !== undefined && !SCHEMA_TYPES.has(String(s.type))) return `Invalid value at '${at}.type' (type.googleapis.com/google.ai.generativelanguage.v1beta.Type), "${String(s.type)}"`;
  if (Array.isArray(s.enum) && s.enum.some((e) => typeof e !== "string")) return `Invalid value at '${at}.enum': enum values must be strings`;
  const props = s.properties as Json | undefined;
  if (props !== undefined) {
    if (String(s.type).toUpperCase() === "OBJECT" && Object.keys(props).length === 0) return `* ${at}.properties: should be non-empty for OBJECT type\n`;
    for (const [name, sub] of Object.entries(props)) {
      const bad = validateSchema(sub, `${at}.properties[${name}].value`);
      if (bad) return bad;
    }
  }
  if (s.items !== undefined) {
    const bad = validateSchema(s.items, `${at}.items`);
    if (bad) return bad;
  }
  for (const [i, sub] of ((s.anyOf as unknown[] | undefined) ?? []).entries()) {
    const bad = validateSchema(sub, `${at}.any_of[${i}]`);
    if (bad) return bad;
  }
  return undefined;
}

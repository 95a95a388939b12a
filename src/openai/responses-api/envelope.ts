/** The response object's shell: ids, echoes of the request, status. Shared by JSON and stream. */
import type { ResponsesRequest } from "./request-schema";
import type { FunctionToolEcho, ResponseObject, ResponseStatus, TextFormatEcho, ToolChoiceEcho } from "./types";

export interface ResponseMeta {
  /** `resp_…`, from `responseId()`. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  model: string;
  /** The request being answered: its settings are echoed back, as OpenAI does. */
  request?: ResponsesRequest;
}

export function responseId(): string {
  return `resp_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** Item ids derive from the response id, so a response's ids are unique and conversion stays pure. */
export function itemId(responseId: string, kind: "msg" | "fc", outputIndex: number): string {
  return `${kind}_${responseId.replace(/^resp_/, "")}_${outputIndex}`;
}

export function envelope(meta: ResponseMeta, status: ResponseStatus): ResponseObject {
  const r = meta.request;
  const response: ResponseObject = {
    id: meta.id,
    object: "response",
    created_at: meta.createdAt,
    status,
    error: null,
    incomplete_details: null,
    model: meta.model,
    output: [],
    instructions: r?.instructions ?? null,
    metadata: r?.metadata ?? null,
    parallel_tool_calls: r?.parallel_tool_calls ?? true,
    temperature: r?.temperature ?? null,
    top_p: r?.top_p ?? null,
    max_output_tokens: r?.max_output_tokens ?? null,
    tool_choice: echoToolChoice(r?.tool_choice),
    tools: (r?.tools ?? []).map((t): FunctionToolEcho => ({ type: "function", name: t.name, description: t.description ?? null, parameters: t.parameters ?? null, strict: t.strict ?? null })),
    text: { format: echoTextFormat(r?.text?.format) },
    store: false,
    background: false,
    previous_response_id: null,
  };
  if (r?.user !== undefined) response.user = r.user;
  return response;
}

function echoToolChoice(choice: ResponsesRequest["tool_choice"]): ToolChoiceEcho {
  if (choice === undefined) return "auto";
  if (typeof choice === "string") return choice;
  if (choice.type === "function") return { type: "function", name: choice.name };
  return { type: "allowed_tools", mode: choice.mode, tools: choice.tools.map((t) => ({ type: "function", name: t.name })) };
}

function echoTextFormat(format: NonNullable<ResponsesRequest["text"]>["format"]): TextFormatEcho {
  if (!format || format.type === "text") return { type: "text" };
  if (format.type === "json_object") return { type: "json_object" };
  const echo: TextFormatEcho = { type: "json_schema", name: format.name, schema: format.schema, strict: format.strict ?? null };
  if (format.description !== undefined) echo.description = format.description;
  return echo;
}

/**
 * The Responses API shapes the router emits (a subset of OpenAI's: what a stateless
 * router over chat completions can honestly fill in). Field names are OpenAI's.
 */

export interface OutputText {
  type: "output_text";
  text: string;
  annotations: never[];
  logprobs: never[];
}

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export interface MessageItem {
  type: "message";
  id: string;
  status: ItemStatus;
  role: "assistant";
  content: OutputText[];
}

export interface FunctionCallItem {
  type: "function_call";
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

export type OutputItem = MessageItem | FunctionCallItem;

export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; cache_write_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

export interface IncompleteDetails {
  reason: "max_output_tokens" | "content_filter";
}

/** OpenAI's codes a router failure can honestly claim; the router's own code stays in `type`. */
export type ResponseErrorCode = "server_error" | "rate_limit_exceeded";

export interface ResponseError {
  code: ResponseErrorCode;
  message: string;
  type: string;
  param: null;
}

/** The echo of a function tool as the request declared it. */
export interface FunctionToolEcho {
  type: "function";
  name: string;
  description: string | null;
  parameters: Record<string, unknown> | null;
  strict: boolean | null;
}

export type ToolChoiceEcho = "none" | "auto" | "required" | { type: "function"; name: string } | { type: "allowed_tools"; mode: "auto" | "required"; tools: Array<{ type: "function"; name: string }> };

export type TextFormatEcho = { type: "text" } | { type: "json_object" } | { type: "json_schema"; name: string; schema: Record<string, unknown>; strict: boolean | null; description?: string };

export interface ResponseObject {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  /** Set on `response.failed` only. */
  error: ResponseError | null;
  incomplete_details: IncompleteDetails | null;
  model: string;
  output: OutputItem[];
  /** Echoes of the request, as OpenAI returns them. */
  instructions: string | null;
  metadata: Record<string, string> | null;
  parallel_tool_calls: boolean;
  temperature: number | null;
  top_p: number | null;
  max_output_tokens: number | null;
  tool_choice: ToolChoiceEcho;
  tools: FunctionToolEcho[];
  text: { format: TextFormatEcho };
  user?: string;
  /** Nothing is ever stored or run in the background: the router is stateless. */
  store: false;
  background: false;
  previous_response_id: null;
  usage?: ResponsesUsage;
}

interface Seq {
  sequence_number: number;
}

/** The typed streaming events, in the order DESIGN.md § Responses API lists them. */
export type ResponseStreamEvent = Seq &
  (
    | { type: "response.created" | "response.in_progress" | "response.completed" | "response.incomplete" | "response.failed"; response: ResponseObject }
    | { type: "response.output_item.added" | "response.output_item.done"; output_index: number; item: OutputItem }
    | { type: "response.content_part.added" | "response.content_part.done"; item_id: string; output_index: number; content_index: number; part: OutputText }
    | { type: "response.output_text.delta"; item_id: string; output_index: number; content_index: number; delta: string; logprobs: never[] }
    | { type: "response.output_text.done"; item_id: string; output_index: number; content_index: number; text: string; logprobs: never[] }
    | { type: "response.function_call_arguments.delta"; item_id: string; output_index: number; delta: string }
    | { type: "response.function_call_arguments.done"; item_id: string; output_index: number; arguments: string }
  );

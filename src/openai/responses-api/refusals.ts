/**
 * What a stateless router cannot serve, refused before schema validation with a 400 that
 * names the parameter and says why (DESIGN.md § Responses API). Checked on the raw body so
 * the reason wins over any unrelated parse error in the same request.
 */
import { invalidRequest } from "../errors";
import { isObject } from "../../lib/is-object";

const STATELESS = "this router is stateless and stores nothing";

const ALLOWED_ITEM_TYPES = new Set(["message", "function_call", "function_call_output", "reasoning"]);

/** Throws the first refusal that applies; returns when the body asks only for what can be served. */
export function refuseUnservable(body: unknown): void {
  if (!isObject(body)) return;
  if (body.previous_response_id != null) {
    throw unsupported(`'previous_response_id' is not supported: ${STATELESS}; send the whole conversation in 'input'`, "previous_response_id");
  }
  if (body.conversation != null) {
    throw unsupported(`'conversation' is not supported: ${STATELESS}; send the whole conversation in 'input'`, "conversation");
  }
  if (body.prompt != null) {
    throw unsupported(`'prompt' (a stored prompt template) is not supported: ${STATELESS}; send 'instructions' and 'input'`, "prompt");
  }
  if (body.background === true) {
    throw unsupported(`'background: true' is not supported: ${STATELESS}, so a background response could never be retrieved`, "background");
  }
  refuseTools(body.tools);
  refuseToolChoice(body.tool_choice);
  if (Array.isArray(body.input)) {
    for (const [i, item] of body.input.entries()) refuseItem(item, `input[${i}]`);
  }
}

function refuseTools(tools: unknown): void {
  if (!Array.isArray(tools)) return;
  tools.forEach((tool, i) => {
    if (isObject(tool) && typeof tool.type === "string" && tool.type !== "function") {
      throw unsupported(`Built-in tool '${tool.type}' is not supported: the router runs no tools itself and keeps no state; declare function tools and run them in the client`, `tools[${i}].type`);
    }
  });
}

function refuseToolChoice(choice: unknown): void {
  if (!isObject(choice) || typeof choice.type !== "string") return;
  if (choice.type === "function" || choice.type === "allowed_tools") return;
  throw unsupported(`tool_choice type '${choice.type}' is not supported: only function tools can be chosen`, "tool_choice.type");
}

function refuseItem(item: unknown, at: string): void {
  if (!isObject(item)) return;
  const type = item.type;
  if (type === "item_reference") {
    throw unsupported(`Input items of type 'item_reference' are not supported: ${STATELESS}; send the item itself (with @ai-sdk/openai, set providerOptions.openai.store to false)`, `${at}.type`);
  }
  if (typeof type === "string" && !ALLOWED_ITEM_TYPES.has(type)) {
    throw unsupported(`Input items of type '${type}' are not supported: send messages, function_call and function_call_output items`, `${at}.type`);
  }
  const parts = type === "function_call_output" ? item.output : item.content;
  if (Array.isArray(parts)) {
    const field = type === "function_call_output" ? "output" : "content";
    for (const [j, part] of parts.entries()) refusePart(part, `${at}.${field}[${j}]`);
  }
}

function refusePart(part: unknown, at: string): void {
  if (!isObject(part)) return;
  if (part.type === "input_file") {
    throw unsupported("Content parts of type 'input_file' are not supported: send text or images", `${at}.type`);
  }
  if (part.type === "input_image" && part.image_url == null && part.file_id != null) {
    throw unsupported(`Images by 'file_id' are not supported: ${STATELESS}; send the image as 'image_url' (a URL or a data URL)`, `${at}.file_id`);
  }
}

const unsupported = (message: string, param: string) => invalidRequest(message, param, "unsupported_parameter");

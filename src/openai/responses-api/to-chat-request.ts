/**
 * A Responses request → the router's ChatRequest, so both front ends share one walk.
 * Items become messages in order: `instructions` first as a system message, consecutive
 * function_call items (and the assistant text just before them) one assistant turn with
 * tool_calls, each function_call_output a tool message answering its call_id.
 */
import { invalidRequest } from "../errors";
import type { ChatMessage, ChatRequest, ContentPart, ResponseFormat, Tool, ToolChoice } from "../schemas";
import type { ResponsesFunctionTool, ResponsesInputItem, ResponsesInputPart, ResponsesRequest, ResponsesTextFormat, ResponsesToolChoice } from "./request-schema";

export function toChatRequest(r: ResponsesRequest): ChatRequest {
  const messages: ChatMessage[] = [];
  if (r.instructions) messages.push({ role: "system", content: r.instructions });
  if (typeof r.input === "string") messages.push({ role: "user", content: r.input });
  else for (const item of r.input) appendItem(messages, item);

  const chat: ChatRequest = { messages };
  if (r.model !== undefined) chat.model = r.model;
  if (r.stream != null) chat.stream = r.stream;
  if (r.temperature != null) chat.temperature = r.temperature;
  if (r.top_p != null) chat.top_p = r.top_p;
  if (r.max_output_tokens != null) chat.max_tokens = r.max_output_tokens;
  if (r.user !== undefined) chat.user = r.user;
  if (r.parallel_tool_calls != null) chat.parallel_tool_calls = r.parallel_tool_calls;
  const { tools, toolChoice } = mapTools(r.tools, r.tool_choice);
  if (tools) chat.tools = tools;
  if (toolChoice !== undefined) chat.tool_choice = toolChoice;
  const format = r.text?.format;
  if (format) chat.response_format = mapTextFormat(format);
  return chat;
}

function appendItem(messages: ChatMessage[], item: ResponsesInputItem): void {
  switch (item.type) {
    case "message":
      messages.push(toMessage(item.role, item.content));
      return;
    case "function_call": {
      const call = { id: item.call_id, type: "function" as const, function: { name: item.name, arguments: item.arguments } };
      const last = messages.at(-1);
      if (last?.role === "assistant") last.tool_calls = [...(last.tool_calls ?? []), call];
      else messages.push({ role: "assistant", content: null, tool_calls: [call] });
      return;
    }
    case "function_call_output":
      messages.push({ role: "tool", tool_call_id: item.call_id, content: typeof item.output === "string" ? item.output : item.output.map(toPart) });
      return;
    case "reasoning":
      // The model's own scratch from an earlier turn: chat models take no such input.
      return;
  }
}

function toMessage(role: "user" | "assistant" | "system" | "developer", content: string | ResponsesInputPart[]): ChatMessage {
  if (typeof content === "string") return { role, content };
  const parts = content.map(toPart);
  if (role === "assistant" && parts.every((p) => p.type === "text")) {
    // Providers expect an assistant turn as one string; output_text parts are pieces of it.
    return { role, content: parts.map((p) => p.text).join("") };
  }
  return { role, content: parts };
}

function toPart(part: ResponsesInputPart): ContentPart {
  switch (part.type) {
    case "input_text":
    case "output_text":
      return { type: "text", text: part.text };
    case "refusal":
      return { type: "text", text: part.refusal };
    case "input_image":
      return { type: "image_url", image_url: part.detail ? { url: part.image_url, detail: part.detail } : { url: part.image_url } };
    case "input_file":
      // refusals.ts turns these away before parsing; reaching here is a bug, not bad input.
      throw new Error("input_file parts must be refused before conversion");
  }
}

function mapTools(tools: ResponsesFunctionTool[] | undefined, choice: ResponsesToolChoice | undefined): { tools?: Tool[]; toolChoice?: ToolChoice } {
  const chatTools = tools?.map(toChatTool);
  if (choice === undefined) return { tools: chatTools };
  if (typeof choice === "string") return { tools: chatTools, toolChoice: choice };
  if (choice.type === "function") return { tools: chatTools, toolChoice: { type: "function", function: { name: choice.name } } };
  // allowed_tools: the model may call only these, with the given mode.
  const declared = new Set(tools?.map((t) => t.name));
  choice.tools.forEach((t, i) => {
    if (!declared.has(t.name)) {
      throw invalidRequest(`tool_choice.tools[${i}] names '${t.name}', which is not among the declared tools`, `tool_choice.tools[${i}].name`, "invalid_value");
    }
  });
  const allowed = new Set(choice.tools.map((t) => t.name));
  return { tools: chatTools?.filter((t) => allowed.has(t.function.name)), toolChoice: choice.mode };
}

function toChatTool(tool: ResponsesFunctionTool): Tool {
  const fn: Tool["function"] = { name: tool.name };
  if (tool.description != null) fn.description = tool.description;
  if (tool.parameters != null) fn.parameters = tool.parameters;
  if (tool.strict != null) fn.strict = tool.strict;
  return { type: "function", function: fn };
}

function mapTextFormat(format: ResponsesTextFormat): ResponseFormat {
  if (format.type !== "json_schema") return { type: format.type };
  const jsonSchema: Extract<ResponseFormat, { type: "json_schema" }>["json_schema"] = { name: format.name, schema: format.schema };
  if (format.description !== undefined) jsonSchema.description = format.description;
  if (format.strict != null) jsonSchema.strict = format.strict;
  return { type: "json_schema", json_schema: jsonSchema };
}

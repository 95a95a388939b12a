/** Output item builders shared by the JSON response and the stream encoder. */
import type { FunctionCallItem, ItemStatus, MessageItem, OutputText } from "./types";

export const outputText = (text: string): OutputText => ({ type: "output_text", text, annotations: [], logprobs: [] });

export function messageItem(id: string, status: ItemStatus, text?: string): MessageItem {
  return { type: "message", id, status, role: "assistant", content: text === undefined ? [] : [outputText(text)] };
}

export function functionCallItem(id: string, status: ItemStatus, call: { callId: string; name: string; arguments: string }): FunctionCallItem {
  return { type: "function_call", id, call_id: call.callId, name: call.name, arguments: call.arguments, status };
}

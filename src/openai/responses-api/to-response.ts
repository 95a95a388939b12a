/**
 * A ChatCompletion → a Responses `response` object: the assistant text as one message item,
 * each tool call a function_call item whose call_id is the chat tool call id (so the
 * client's function_call_output finds its call again), usage renamed.
 */
import type { ChatCompletion } from "../responses";
import { type ResponseMeta, envelope, itemId } from "./envelope";
import { functionCallItem, messageItem } from "./items";
import { mapFinishReason } from "./map-finish-reason";
import { mapUsage } from "./map-usage";
import type { OutputItem, ResponseObject } from "./types";

export function toResponse(completion: ChatCompletion, meta: ResponseMeta): ResponseObject {
  const choice = completion.choices[0];
  const { status, incomplete_details } = mapFinishReason(choice?.finish_reason);
  const itemStatus = status === "incomplete" ? "incomplete" : "completed";
  const calls = choice?.message.tool_calls ?? [];
  const text = choice?.message.content ?? "";
  const output: OutputItem[] = [];
  // A pure tool-call answer has no message item; an empty answer is an empty message.
  if (text.length > 0 || calls.length === 0) output.push(messageItem(itemId(meta.id, "msg", 0), itemStatus, text));
  for (const call of calls) {
    output.push(functionCallItem(itemId(meta.id, "fc", output.length), itemStatus, { callId: call.id, name: call.function.name, arguments: call.function.arguments }));
  }
  const response: ResponseObject = { ...envelope(meta, status), incomplete_details, output };
  const usage = mapUsage(completion.usage);
  if (usage) response.usage = usage;
  return response;
}

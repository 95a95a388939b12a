/**
 * ChatChunks → typed Responses stream events with increasing `sequence_number`. Pure and
 * stateful: the committed-stream code feeds it chunks and writes what it returns.
 *
 * Items open as their first content arrives (a message at its first text, a function call
 * once its id and name are known) and close at the end — except that a tool call closes
 * the message before it, as OpenAI orders them; text after a tool call opens a new message.
 * Function calls stay open until the end, so a provider interleaving argument deltas of
 * several calls loses nothing. The end is `finish()` (response.completed, or
 * response.incomplete when the answer was cut by max_output_tokens or a filter) or
 * `fail()` (response.failed): exactly one of them, and nothing after it.
 */
import type { ChatChunk, FinishReason, ToolCallDelta, Usage } from "../responses";
import { type ResponseMeta, envelope, itemId } from "./envelope";
import { functionCallItem, messageItem, outputText } from "./items";
import { mapFinishReason } from "./map-finish-reason";
import { mapUsage } from "./map-usage";
import type { ItemStatus, OutputItem, ResponseError, ResponseObject, ResponseStreamEvent } from "./types";

type Event = ResponseStreamEvent;
/** Distributes over the event union, so each built event keeps its own fields. */
type Unsequenced<E = Event> = E extends Event ? Omit<E, "sequence_number"> : never;

interface OpenMessage {
  outputIndex: number;
  id: string;
  text: string;
}

interface CallState {
  outputIndex?: number;
  id?: string;
  callId?: string;
  name: string;
  arguments: string;
}

export class ResponsesStreamEncoder {
  private seq = 0;
  private started = false;
  private ended = false;
  /** Every opened item, by output_index: the snapshot the terminal event carries. */
  private readonly output: OutputItem[] = [];
  private message: OpenMessage | undefined;
  private readonly calls = new Map<number, CallState>();
  private finishReason: FinishReason | null = null;
  private usage: Usage | undefined;

  constructor(private meta: ResponseMeta) {}

  /** A later entry continues the answer (mid-stream resume): the terminal event names it. */
  answeredBy(model: string): void {
    this.meta = { ...this.meta, model };
  }

  push(chunk: ChatChunk): Event[] {
    if (this.ended) return [];
    const out = this.start();
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue;
      const { content, tool_calls } = choice.delta;
      if (typeof content === "string" && content.length > 0) this.text(content, out);
      for (const delta of tool_calls ?? []) this.toolCall(delta, out);
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
    return out;
  }

  /** The upstream ended normally: close every item and complete the response. */
  finish(): Event[] {
    if (this.ended) return [];
    const out = this.start();
    const { status, incomplete_details } = mapFinishReason(this.finishReason);
    const itemStatus: ItemStatus = status === "incomplete" ? "incomplete" : "completed";
    for (const [index, call] of [...this.calls].sort(([a], [b]) => a - b)) {
      if (call.outputIndex === undefined) this.openCall(index, call, out);
    }
    // An answer with no content at all is still a (empty) message, as in the JSON response.
    if (this.output.length === 0) this.openMessage(out);
    for (let i = 0; i < this.output.length; i++) this.closeItem(i, itemStatus, out);
    this.ended = true;
    const response = this.snapshot(status);
    response.incomplete_details = incomplete_details;
    this.emit(out, { type: status === "completed" ? "response.completed" : "response.incomplete", response });
    return out;
  }

  /**
   * A failure after commit: one response.failed, never a completed response. `error` is what
   * the chat stream's error event carries (the ApiError's code and message).
   */
  fail(error: { code?: string | null; message: string }): Event[] {
    if (this.ended) return [];
    const out = this.start();
    this.ended = true;
    const response = this.snapshot("failed");
    response.error = {
      code: error.code === "rate_limited" ? "rate_limit_exceeded" : "server_error",
      message: error.message,
      type: error.code ?? "server_error",
      param: null,
    } satisfies ResponseError;
    this.emit(out, { type: "response.failed", response });
    return out;
  }

  private start(): Event[] {
    const out: Event[] = [];
    if (this.started) return out;
    this.started = true;
    this.emit(out, { type: "response.created", response: envelope(this.meta, "in_progress") });
    this.emit(out, { type: "response.in_progress", response: envelope(this.meta, "in_progress") });
    return out;
  }

  private text(delta: string, out: Event[]): void {
    const m = this.message ?? this.openMessage(out);
    m.text += delta;
    this.setItem(m.outputIndex, messageItem(m.id, "in_progress", m.text));
    this.emit(out, { type: "response.output_text.delta", item_id: m.id, output_index: m.outputIndex, content_index: 0, delta, logprobs: [] });
  }

  private openMessage(out: Event[]): OpenMessage {
    const outputIndex = this.output.length;
    const m: OpenMessage = { outputIndex, id: itemId(this.meta.id, "msg", outputIndex), text: "" };
    this.message = m;
    this.output.push(messageItem(m.id, "in_progress"));
    this.emit(out, { type: "response.output_item.added", output_index: outputIndex, item: messageItem(m.id, "in_progress") });
    this.setItem(outputIndex, messageItem(m.id, "in_progress", ""));
    this.emit(out, { type: "response.content_part.added", item_id: m.id, output_index: outputIndex, content_index: 0, part: outputText("") });
    return m;
  }

  private toolCall(delta: ToolCallDelta, out: Event[]): void {
    const call = this.calls.get(delta.index) ?? { name: "", arguments: "" };
    this.calls.set(delta.index, call);
    if (call.outputIndex === undefined && delta.id) call.callId = delta.id;
    if (delta.function?.name) call.name += delta.function.name;
    const args = delta.function?.arguments ?? "";
    call.arguments += args;
    // The added event must carry call_id and name (clients key the call on them): wait for both.
    if (call.outputIndex === undefined) {
      if (call.callId && call.name) this.openCall(delta.index, call, out);
      return;
    }
    if (args) this.argumentsDelta(call, args, out);
  }

  private openCall(toolIndex: number, call: CallState, out: Event[]): void {
    if (this.message) this.closeItem(this.message.outputIndex, "completed", out);
    const outputIndex = this.output.length;
    call.outputIndex = outputIndex;
    call.id = itemId(this.meta.id, "fc", outputIndex);
    // A provider that never sent an id still gets a unique, stable one.
    call.callId ??= `call_${this.meta.id.replace(/^resp_/, "")}_${toolIndex}`;
    this.output.push(functionCallItem(call.id, "in_progress", { callId: call.callId, name: call.name, arguments: "" }));
    this.emit(out, { type: "response.output_item.added", output_index: outputIndex, item: functionCallItem(call.id, "in_progress", { callId: call.callId, name: call.name, arguments: "" }) });
    if (call.arguments) this.argumentsDelta(call, call.arguments, out);
  }

  private argumentsDelta(call: CallState, delta: string, out: Event[]): void {
    const outputIndex = call.outputIndex!;
    this.setItem(outputIndex, functionCallItem(call.id!, "in_progress", { callId: call.callId!, name: call.name, arguments: call.arguments }));
    this.emit(out, { type: "response.function_call_arguments.delta", item_id: call.id!, output_index: outputIndex, delta });
  }

  private closeItem(outputIndex: number, status: ItemStatus, out: Event[]): void {
    const item = this.output[outputIndex]!;
    if (item.status !== "in_progress") return;
    if (item.type === "message") {
      const text = this.message?.outputIndex === outputIndex ? this.message.text : (item.content[0]?.text ?? "");
      this.emit(out, { type: "response.output_text.done", item_id: item.id, output_index: outputIndex, content_index: 0, text, logprobs: [] });
      this.emit(out, { type: "response.content_part.done", item_id: item.id, output_index: outputIndex, content_index: 0, part: outputText(text) });
      this.setItem(outputIndex, messageItem(item.id, status, text));
      this.emit(out, { type: "response.output_item.done", output_index: outputIndex, item: messageItem(item.id, status, text) });
      if (this.message?.outputIndex === outputIndex) this.message = undefined;
      return;
    }
    const call = [...this.calls.values()].find((c) => c.outputIndex === outputIndex)!;
    this.emit(out, { type: "response.function_call_arguments.done", item_id: item.id, output_index: outputIndex, arguments: call.arguments });
    const done = { callId: item.call_id, name: call.name, arguments: call.arguments };
    this.setItem(outputIndex, functionCallItem(item.id, status, done));
    this.emit(out, { type: "response.output_item.done", output_index: outputIndex, item: functionCallItem(item.id, status, done) });
  }

  private setItem(outputIndex: number, item: OutputItem): void {
    this.output[outputIndex] = item;
  }

  /** The response as it stands, every item still open marked incomplete (a failure cut it). */
  private snapshot(status: ResponseObject["status"]): ResponseObject {
    const output = this.output.map((item) => (item.status === "in_progress" ? { ...structuredClone(item), status: "incomplete" as const } : structuredClone(item)));
    const response: ResponseObject = { ...envelope(this.meta, status), output };
    const usage = mapUsage(this.usage);
    if (usage) response.usage = usage;
    return response;
  }

  private emit(out: Event[], event: Unsequenced): void {
    out.push({ ...event, sequence_number: this.seq++ } as Event);
  }
}

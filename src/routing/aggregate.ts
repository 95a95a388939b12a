/** Folds a chunk stream into one chat.completion (content, tool calls, finish, usage). Pure. */
import type { ChatChunk, ChatCompletion, CompletionToolCall, FinishReason, Usage } from "../openai/responses";
import { UpstreamError } from "../providers/failures";

export class CompletionAggregator {
  private content = "";
  private sawContent = false;
  private readonly calls = new Map<number, CompletionToolCall>();
  private finish: FinishReason | null = null;
  private usage: Usage | undefined;
  private id: string | undefined;
  private created: number | undefined;
  private fingerprint: string | undefined;

  add(chunk: ChatChunk): void {
    this.id ??= chunk.id;
    this.created ??= chunk.created;
    this.fingerprint ??= chunk.system_fingerprint;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue;
      const d = choice.delta;
      if (typeof d.content === "string") {
        this.content += d.content;
        this.sawContent = true;
      }
      for (const tc of d.tool_calls ?? []) {
        const call = this.calls.get(tc.index) ?? { id: "", type: "function" as const, function: { name: "", arguments: "" } };
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.function.name += tc.function.name;
        if (tc.function?.arguments) call.function.arguments += tc.function.arguments;
        if (tc.extra_content) call.extra_content = { ...call.extra_content, ...tc.extra_content };
        this.calls.set(tc.index, call);
      }
      if (choice.finish_reason) this.finish = choice.finish_reason;
    }
  }

  /** `fallbackId` is only made when the upstream sent no id (a fresh id is not free). */
  result(model: string, fallbackId: string | (() => string), now: number): ChatCompletion {
    const toolCalls = [...this.calls.entries()].sort(([a], [b]) => a - b).map(([, c]) => c);
    // Every delta was well typed, yet no delta ever named the call: no client can answer it.
    if (toolCalls.some((c) => c.function.name === "")) throw new UpstreamError({ kind: "malformed", message: "a tool call without a function name" });
    const completion: ChatCompletion = {
      id: this.id ?? (typeof fallbackId === "string" ? fallbackId : fallbackId()),
      object: "chat.completion",
      created: this.created ?? Math.floor(now / 1000),
      model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            // OpenAI sends null content for a pure tool-call answer, "" for an empty answer.
            content: this.sawContent && (this.content.length > 0 || toolCalls.length === 0) ? this.content : toolCalls.length > 0 ? null : "",
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            refusal: null,
          },
          finish_reason: this.finish,
          logprobs: null,
        },
      ],
    };
    if (this.usage) completion.usage = this.usage;
    if (this.fingerprint) completion.system_fingerprint = this.fingerprint;
    return completion;
  }
}

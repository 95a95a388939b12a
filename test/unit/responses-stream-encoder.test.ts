import { describe, expect, it } from "vitest";
import type { ChatChunk } from "../../src/openai/responses";
import { ResponsesStreamEncoder, type ResponseStreamEvent } from "../../src/openai/responses-api";
import { chunk, META, text, tool, usageChunk } from "../helpers/responses";

const USAGE = { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 };

function run(chunks: ChatChunk[], end: "finish" | { fail: string } = "finish"): ResponseStreamEvent[] {
  const enc = new ResponsesStreamEncoder(META);
  const events = chunks.flatMap((c) => enc.push(c));
  events.push(...(end === "finish" ? enc.finish() : enc.fail({ code: "stream_error", message: end.fail })));
  return events;
}

const types = (events: ResponseStreamEvent[]) => events.map((e) => e.type);
const last = (events: ResponseStreamEvent[]) => events.at(-1)!;
const terminal = (events: ResponseStreamEvent[]) => {
  const e = last(events);
  if (!("response" in e)) throw new Error(`stream ended with ${e.type}`);
  return e.response;
};

describe("ResponsesStreamEncoder", () => {
  it("streams text in DESIGN's order with increasing sequence numbers, completed with usage", () => {
    const events = run([chunk({ role: "assistant" }), text("Hel"), text("lo"), chunk({}, "stop"), usageChunk(USAGE)]);
    expect(types(events)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.filter((e) => e.type === "response.output_text.delta").map((e) => "delta" in e && e.delta)).toEqual(["Hel", "lo"]);
    expect(events[0]).toMatchObject({ response: { id: "resp_abc", status: "in_progress", output: [] } });
    expect(events[6]).toMatchObject({ item_id: "msg_abc_0", output_index: 0, content_index: 0, text: "Hello" });
    expect(terminal(events)).toMatchObject({
      status: "completed",
      output: [{ type: "message", id: "msg_abc_0", status: "completed", content: [{ type: "output_text", text: "Hello" }] }],
      usage: { input_tokens: 10, output_tokens: 4, total_tokens: 14 },
    });
  });

  it("emits nothing until the first push, then created and in_progress once", () => {
    const enc = new ResponsesStreamEncoder(META);
    expect(types(enc.push(text("a")))).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta"]);
    expect(types(enc.push(text("b")))).toEqual(["response.output_text.delta"]);
  });

  it("closes the message before a tool call and streams each call's arguments", () => {
    const events = run([
      text("Checking."),
      tool({ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }),
      tool({ index: 0, function: { arguments: '{"city":' } }),
      tool({ index: 0, function: { arguments: '"Paris"}' } }),
      tool({ index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } }),
      chunk({}, "tool_calls"),
    ]);
    expect(types(events).slice(2)).toEqual([
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.delta",
      "response.output_item.added",
      "response.function_call_arguments.delta",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.function_call_arguments.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events[8]).toMatchObject({ output_index: 1, item: { type: "function_call", id: "fc_abc_1", call_id: "call_a", name: "get_weather", arguments: "", status: "in_progress" } });
    expect(events[13]).toMatchObject({ item_id: "fc_abc_1", output_index: 1, arguments: '{"city":"Paris"}' });
    expect(terminal(events).output).toEqual([
      expect.objectContaining({ type: "message", status: "completed" }),
      { type: "function_call", id: "fc_abc_1", call_id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}', status: "completed" },
      { type: "function_call", id: "fc_abc_2", call_id: "call_b", name: "get_time", arguments: "{}", status: "completed" },
    ]);
  });

  it("waits for a call's id and name before adding it, then sends the arguments it held back", () => {
    const events = run([tool({ index: 0, id: "call_a" }), tool({ index: 0, function: { arguments: "{" } }), tool({ index: 0, function: { name: "f", arguments: "}" } }), chunk({}, "tool_calls")]);
    expect(types(events).slice(2, 4)).toEqual(["response.output_item.added", "response.function_call_arguments.delta"]);
    expect(events[2]).toMatchObject({ item: { call_id: "call_a", name: "f" } });
    expect(events[3]).toMatchObject({ delta: "{}" });
  });

  it("gives a call the provider sent without an id a unique call_id of its own", () => {
    const out = terminal(run([tool({ index: 0, function: { name: "f", arguments: "{}" } }), tool({ index: 1, function: { name: "g", arguments: "{}" } }), chunk({}, "tool_calls")])).output;
    const ids = out.map((i) => (i.type === "function_call" ? i.call_id : ""));
    expect(new Set(ids).size).toBe(2);
    expect(ids.every((id) => id.startsWith("call_"))).toBe(true);
  });

  it("keeps interleaved argument deltas of parallel calls apart", () => {
    const out = terminal(
      run([
        tool({ index: 0, id: "a", function: { name: "f", arguments: '{"x":' } }),
        tool({ index: 1, id: "b", function: { name: "g", arguments: '{"y":' } }),
        tool({ index: 0, function: { arguments: "1}" } }),
        tool({ index: 1, function: { arguments: "2}" } }),
        chunk({}, "tool_calls"),
      ]),
    ).output;
    expect(out.map((i) => i.type === "function_call" && [i.call_id, i.arguments])).toEqual([
      ["a", '{"x":1}'],
      ["b", '{"y":2}'],
    ]);
  });

  it("opens a new message for text after a tool call", () => {
    const events = run([tool({ index: 0, id: "a", function: { name: "f", arguments: "{}" } }), text("and more"), chunk({}, "stop")]);
    expect(terminal(events).output.map((i) => [i.type, i.id])).toEqual([
      ["function_call", "fc_abc_0"],
      ["message", "msg_abc_1"],
    ]);
  });

  it("ends a length-cut answer with response.incomplete, reason max_output_tokens", () => {
    const events = run([text("Once upon"), chunk({}, "length"), usageChunk(USAGE)]);
    expect(last(events).type).toBe("response.incomplete");
    expect(types(events)).not.toContain("response.completed");
    expect(terminal(events)).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, output: [{ status: "incomplete" }], usage: { total_tokens: 14 } });
  });

  it("answers a stream with no content with an empty message, as the JSON response does", () => {
    const events = run([chunk({ role: "assistant" }), chunk({}, "stop")]);
    expect(terminal(events).output).toEqual([
      { type: "message", id: "msg_abc_0", status: "completed", role: "assistant", content: [{ type: "output_text", text: "", annotations: [], logprobs: [] }] },
    ]);
  });

  it("fails after deltas with response.failed carrying the error, never completed", () => {
    const enc = new ResponsesStreamEncoder(META);
    const events = [
      ...enc.push(text("Hel")),
      ...enc.push(tool({ index: 0, id: "a", function: { name: "f", arguments: "{" } })),
      ...enc.fail({ code: "stream_error", message: "Upstream stream ended early" }),
    ];
    expect(last(events).type).toBe("response.failed");
    expect(types(events)).not.toContain("response.completed");
    expect(terminal(events)).toMatchObject({
      status: "failed",
      error: { code: "server_error", message: "Upstream stream ended early", type: "stream_error" },
      output: [
        { type: "message", status: "completed", content: [{ text: "Hel" }] },
        { type: "function_call", call_id: "a", arguments: "{", status: "incomplete" },
      ],
    });
    // Nothing after the end, whatever the caller does next.
    expect([...enc.push(text("lo")), ...enc.finish(), ...enc.fail({ message: "again" })]).toEqual([]);
  });

  it("marks an open message incomplete when the failure cuts it", () => {
    expect(terminal(run([text("Hel")], { fail: "cut" })).output).toMatchObject([{ type: "message", status: "incomplete", content: [{ text: "Hel" }] }]);
  });

  it("maps a rate-limit failure to OpenAI's rate_limit_exceeded", () => {
    const enc = new ResponsesStreamEncoder(META);
    expect(terminal(enc.fail({ code: "rate_limited", message: "slow down" })).error).toMatchObject({ code: "rate_limit_exceeded", type: "rate_limited" });
  });

  it("a failure before any content still opens the response: created, in_progress, failed", () => {
    const enc = new ResponsesStreamEncoder(META);
    expect(types(enc.fail({ message: "boom" }))).toEqual(["response.created", "response.in_progress", "response.failed"]);
    expect(enc.finish()).toEqual([]);
  });

  it("ignores choices other than the first", () => {
    const c = text("a");
    c.choices.push({ index: 1, delta: { content: "zzz" }, finish_reason: null });
    expect(terminal(run([c, chunk({}, "stop")])).output).toMatchObject([{ content: [{ text: "a" }] }]);
  });
});

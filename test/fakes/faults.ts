/**
 * Fault injection shared by every fake upstream, chosen by the model name so one fake
 * serves every test at once: `<fault>[:<arg>…][@<tag>]`. The tag only makes the name
 * unique per test (state such as "once" and the attempt log are keyed by the full name).
 *
 *   ok                       normal answer
 *   status:<code>[:once]     HTTP error (once: only the first call per model name)
 *   retry-after:<s>[:once]   429 with Retry-After: <s> (no header when <s> is "none")
 *   close[:once]             destroy the socket before answering (reset)
 *   silent                   accept, never send headers
 *   headers-silent           send 200 headers, never a token
 *   slow-first:<ms>          headers at once, first token after <ms>
 *   cut:<n>                  send n content tokens, then end without finish or [DONE]
 *   stall:<n>                send n content tokens, then stay silent (connection open)
 *   malformed                one unparseable event in an otherwise good stream
 *   stream-error:<n>         an in-stream error object after n tokens
 *   stream-quote-key:<n>     an in-stream error quoting the provider's key after n tokens
 *   quote-key                400 whose message quotes the provider's key
 *   no-done                  finish_reason + usage, then end without [DONE]
 *   no-done-open             finish_reason + usage, then hold the connection open
 *   context-length           400 context_length_exceeded
 *   content-policy           400 content_policy_violation
 *   bad-request              400 invalid_request_error
 *   unknown-model            404 model_not_found
 *   tools                    answer with a tool call whose arguments arrive in fragments
 *   empty                    a finish with no content at all
 */
export interface Fault {
  name: string;
  args: string[];
  tag: string;
}

export function parseFault(model: string): Fault {
  const at = model.lastIndexOf("@");
  const spec = at >= 0 ? model.slice(0, at) : model;
  const tag = at >= 0 ? model.slice(at + 1) : "";
  // Strip a vendor prefix such as anthropic/ so openrouter-style names work too.
  const base = spec.includes("/") ? spec.slice(spec.lastIndexOf("/") + 1) : spec;
  const [name = "ok", ...args] = base.split(":");
  return { name, args, tag };
}

/** The words every fake streams, so tests can predict content exactly. */
export function answerTokens(provider: string, model: string): string[] {
  return ["Hello", " from", ` ${provider}`, ` ${model}`, "."];
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A deterministic 4-dimensional vector per text, so tests can predict embeddings. */
export function fakeVector(text: string): number[] {
  let h = 7;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) % 1000;
  return [h / 1000, text.length / 100, 0.5, -0.25];
}

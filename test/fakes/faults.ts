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
 *   reset:<n>[:once]         send n content tokens, then destroy the socket (a reset mid-body; openai fake)
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
 *   tools[:cut|:after:<n>]   answer with a tool call whose arguments arrive in fragments (cut: end
 *                            halfway; after:<n>: n content tokens before the call)
 *   empty                    a finish with no content at all
 *   scripted:<key>           the Script a test registered under <key> (POST /__script), verbatim
 *   no-prefill               400 to a conversation that ends in an assistant message (a prefill)
 *
 * The answer is `answerTokens` unless the last user message is `words:<n>`: then it is the
 * n tokens "w1", " w2" … " w<n>", whichever provider answers, so one model can finish what
 * another began. A conversation ending in an assistant message (a prefill) is continued as
 * Ollama does: only what follows the prefill in the planned answer is sent.
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

interface FakeMessage {
  role?: string;
  content?: unknown;
}

/** What the fake model plans to say for this conversation (see above), before any prefill. */
export function plannedTokens(provider: string, model: string, messages: readonly FakeMessage[] | undefined): string[] {
  const lastUser = messages?.findLast((m) => m.role === "user")?.content;
  const words = typeof lastUser === "string" ? /^words:(\d+)$/.exec(lastUser) : null;
  if (words) return Array.from({ length: Number(words[1]) }, (_, i) => (i === 0 ? "w1" : ` w${i + 1}`));
  return answerTokens(provider, model);
}

/** The prefill a conversation ends with (a trailing assistant message's text), if any. */
export function prefillOf(messages: readonly FakeMessage[] | undefined): string | undefined {
  const last = messages?.at(-1);
  return last?.role === "assistant" && typeof last.content === "string" ? last.content : undefined;
}

/** The planned tokens that follow `prefill` (all of them when it is not a prefix of the answer). */
export function afterPrefill(tokens: string[], prefill: string | undefined): string[] {
  if (prefill === undefined || !tokens.join("").startsWith(prefill)) return tokens;
  let at = 0;
  for (let i = 0; i < tokens.length; i++) {
    const end = at + tokens[i]!.length;
    if (end > prefill.length) return [tokens[i]!.slice(prefill.length - at), ...tokens.slice(i + 1)];
    at = end;
  }
  return [];
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A deterministic 4-dimensional vector per text, so tests can predict embeddings. */
export function fakeVector(text: string): number[] {
  let h = 7;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) % 1000;
  return [h / 1000, text.length / 100, 0.5, -0.25];
}

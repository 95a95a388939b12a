/**
 * Small models asked for JSON often wrap it in a Markdown fence (```json … ```). This
 * strips a fence around the whole answer while streaming, holding back at most what
 * could still turn out to be the fence itself: the opening line until it is complete or
 * ruled out, and a trailing run of whitespace and backticks until more text arrives.
 */

const OPENING = /^```(?:json)?[ \t]*\r?\n/i;
/** What a not-yet-complete opening fence can look like. */
const OPENING_PREFIX = /^(?:`{0,3}|```(?:j|js|jso|json)?[ \t]*\r?)$/i;
/** A suffix that may be (the start of) the closing fence: whitespace, up to three backticks, whitespace. */
const CLOSING_TAIL = /\s*(?:`{1,3}\s*)?$/;
const CLOSING = /^\s*```\s*$/;

export interface JsonFenceStripper {
  /** Feeds a content delta; returns what can be released now. */
  push(text: string): string;
  /** The answer is complete: returns what was held back, minus a closing fence. */
  end(): string;
}

export function createJsonFenceStripper(): JsonFenceStripper {
  let state: "opening" | "fenced" | "plain" = "opening";
  let held = "";

  const releaseFenced = (text: string): string => {
    const all = held + text;
    const tail = CLOSING_TAIL.exec(all)!;
    held = all.slice(tail.index);
    return all.slice(0, tail.index);
  };

  return {
    push(text) {
      if (state === "plain") return text;
      if (state === "fenced") return releaseFenced(text);
      held += text;
      const lead = held.length - held.trimStart().length;
      const rest = held.slice(lead);
      const open = OPENING.exec(rest);
      if (open) {
        state = "fenced";
        const after = rest.slice(open[0].length);
        held = "";
        return releaseFenced(after);
      }
      if (OPENING_PREFIX.test(rest)) return "";
      state = "plain";
      const out = held;
      held = "";
      return out;
    },
    end() {
      const out = held;
      held = "";
      if (state === "fenced" && CLOSING.test(out)) return "";
      return out;
    },
  };
}

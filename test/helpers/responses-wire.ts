/** Reading what the Worker's POST /v1/responses sends: the JSON response and the typed SSE events. */
import type { ResponseObject, ResponseStreamEvent } from "../../src/openai/responses-api";

/** One SSE block as sent: its `event:` name and its parsed `data:`. */
export interface WireEvent {
  name: string | undefined;
  data: ResponseStreamEvent;
}

export async function wireEvents(res: Response): Promise<WireEvent[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim().length > 0)
    .map((block) => {
      const lines = block.split("\n");
      const name = lines.find((l) => l.startsWith("event: "))?.slice(7);
      const data = lines
        .filter((l) => l.startsWith("data: "))
        .map((l) => l.slice(6))
        .join("\n");
      return { name, data: JSON.parse(data) as ResponseStreamEvent };
    });
}

export const responseOf = async (res: Response) => (await res.json()) as ResponseObject;

/** The text of every output_text part of a response, joined (what the SDKs call output_text). */
export function outputText(r: ResponseObject): string {
  return r.output.flatMap((item) => (item.type === "message" ? item.content.map((c) => c.text) : [])).join("");
}

/** The response a terminal event carries. */
export function terminal(events: WireEvent[]): { type: string; response: ResponseObject } {
  const last = events.at(-1)!.data;
  if (!("response" in last)) throw new Error(`the stream ended with ${last.type}, not a terminal event`);
  return { type: last.type, response: last.response };
}

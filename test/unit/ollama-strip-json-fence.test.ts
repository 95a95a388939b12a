import { describe, expect, it } from "vitest";
import { createJsonFenceStripper } from "../../src/providers/ollama/strip-json-fence";

/** Feeds `parts` through one stripper; returns what it released and the most it ever held back. */
function run(parts: string[]): { out: string; maxHeld: number } {
  const s = createJsonFenceStripper();
  let out = "";
  let fed = 0;
  let maxHeld = 0;
  for (const p of parts) {
    fed += p.length;
    out += s.push(p);
    maxHeld = Math.max(maxHeld, fed - out.length);
  }
  out += s.end();
  return { out, maxHeld };
}

/** Every two-way split of the answer must give the same result. */
function atEverySplit(answer: string): string {
  const whole = run([answer]).out;
  for (let i = 1; i < answer.length; i++) expect(run([answer.slice(0, i), answer.slice(i)]).out, `split at ${i}`).toBe(whole);
  expect(run([...answer]).out).toBe(whole);
  return whole;
}

describe("createJsonFenceStripper", () => {
  it.each([
    ['```json\n{"a": 1}\n```', '{"a": 1}'],
    ['```JSON\n{"a": 1}\n```\n', '{"a": 1}'],
    ["  ```\n[1, 2]\n```  ", "[1, 2]"],
    ['```json \r\n{"a": 1}\r\n```', '{"a": 1}'],
  ])("strips the fence around %j", (answer, expected) => {
    expect(atEverySplit(answer)).toBe(expected);
  });

  it.each(['{"a": 1}', '  {"a": "```"}  ', "```python\nprint(1)\n```", "``", "", 'Here you go: ```json\n{"a": 1}\n```'])("leaves %j untouched", (answer) => {
    expect(atEverySplit(answer)).toBe(answer);
  });

  it("keeps backticks inside the fenced JSON", () => {
    expect(atEverySplit('```json\n{"code": "``x``"}\n```')).toBe('{"code": "``x``"}');
  });

  it("keeps a trailing run that turns out not to be a closing fence", () => {
    expect(atEverySplit('```json\n{"a": 1}\n``')).toBe('{"a": 1}\n``');
  });

  it("holds back no more than the fence itself", () => {
    const body = `{"items": [${Array.from({ length: 50 }, (_, i) => `"item-${i}"`).join(", ")}]}`;
    const tokens = ["```", "json", "\n", ...body.match(/.{1,3}/gs)!, "\n", "```"];
    const { out, maxHeld } = run(tokens);
    expect(out).toBe(body);
    // In flight at worst: the opening fence (dropped) plus what may be the closing one.
    expect(maxHeld).toBeLessThanOrEqual("```json\n".length + "\n```".length);
  });
});

/**
 * A strict reader of the Prometheus text format, written from the format's rules, so tests
 * check what a scraper would parse rather than matching strings.
 */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  help: Map<string, string>;
  types: Map<string, string>;
}

function unescapeLabel(v: string): string {
  return v.replace(/\\(.)/g, (_, ch: string) => (ch === "n" ? "\n" : ch));
}

function parseValue(v: string): number {
  if (v === "+Inf") return Infinity;
  if (v === "-Inf") return -Infinity;
  if (v === "NaN") return NaN;
  const n = Number(v);
  if (v.trim() === "" || Number.isNaN(n)) throw new Error(`not a sample value: ${JSON.stringify(v)}`);
  return n;
}

/** Throws on any line a Prometheus scraper would reject. */
export function parseExposition(text: string): Exposition {
  const out: Exposition = { samples: [], help: new Map(), types: new Map() };
  if (!text.endsWith("\n")) throw new Error("exposition must end with a line feed");
  for (const line of text.slice(0, -1).split("\n")) {
    if (line.startsWith("# HELP ")) {
      const [, name, help] = /^# HELP (\S+) (.*)$/.exec(line) ?? [];
      if (!name) throw new Error(`bad HELP line: ${line}`);
      out.help.set(name, help!);
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [, name, type] = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line) ?? [];
      if (!name) throw new Error(`bad TYPE line: ${line}`);
      out.types.set(name, type!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? "";
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
    let pos = 0;
    while (pos < body.length) {
      re.lastIndex = pos;
      const l = re.exec(body);
      if (!l) throw new Error(`bad label set in ${JSON.stringify(line)} at ${pos}`);
      labels[l[1]!] = unescapeLabel(l[2]!);
      pos = re.lastIndex;
    }
    out.samples.push({ name: m[1]!, labels, value: parseValue(m[4]!) });
  }
  return out;
}

/** The value of the one sample named `name` whose labels include `labels`; undefined if none. */
export function sampleValue(exp: Exposition, name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = exp.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${hits.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return hits[0]?.value;
}

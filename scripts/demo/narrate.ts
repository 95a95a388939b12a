/**
 * Plain terminal narration: a heading per step, indented detail, and a ✓/✗ per check.
 * Colour only on a terminal (and never with NO_COLOR), so CI logs stay readable.
 */

const useColour = process.stdout.isTTY === true && !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (useColour ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint("1");
export const dim = paint("2");
const green = paint("32");
const red = paint("31");

export class Narrator {
  private failed: string[] = [];
  private passed = 0;
  private readonly started = performance.now();

  heading(n: number, title: string, why: string): void {
    process.stdout.write(`\n${bold(`${n}. ${title}`)}\n${dim(`   ${why}`)}\n`);
  }

  say(text: string): void {
    process.stdout.write(`   ${text}\n`);
  }

  /** Writes without a newline: streamed tokens. */
  raw(text: string): void {
    process.stdout.write(text);
  }

  check(ok: boolean, what: string, detail = ""): boolean {
    const mark = ok ? green("✓") : red("✗");
    process.stdout.write(`   ${mark} ${what}${detail ? dim(` (${detail})`) : ""}\n`);
    if (ok) this.passed++;
    else this.failed.push(what);
    return ok;
  }

  get ok(): boolean {
    return this.failed.length === 0;
  }

  elapsedS(): string {
    return ((performance.now() - this.started) / 1000).toFixed(1);
  }

  summary(): void {
    const total = this.passed + this.failed.length;
    if (this.ok) {
      process.stdout.write(`\n${green(bold(`All ${total} checks passed`))} in ${this.elapsedS()} s.\n`);
      return;
    }
    process.stdout.write(`\n${red(bold(`${this.failed.length} of ${total} checks failed`))} in ${this.elapsedS()} s:\n`);
    for (const f of this.failed) process.stdout.write(`   ${red("✗")} ${f}\n`);
  }
}

/** `ollama/qwen2.5:7b=connect, …` → [{model, reason}]. */
export function parseAttempts(header: string | null): Array<{ model: string; reason: string }> {
  if (!header) return [];
  return header.split(",").map((part) => {
    const [model = "", reason = ""] = part.trim().split("=");
    return { model, reason };
  });
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

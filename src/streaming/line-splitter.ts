/**
 * Text → lines as it arrives, linear in the text: each character is examined once, and a
 * line split across many chunks is kept as a list of pieces joined once (never
 * `buffer += text`, which made one long line quadratic). Lines end at LF, CR or CRLF, as
 * SSE and NDJSON both allow; a line longer than `maxLine` throws `tooLong()` as soon as
 * it is seen to be, so a hostile upstream cannot make us buffer without end.
 */
export class LineSplitter {
  private pieces: string[] = [];
  private pendingLength = 0;
  /** A CR ended the last chunk: an LF starting the next one belongs to it. */
  private afterCr = false;
  /** Characters examined so far: what tests count instead of time. */
  scanned = 0;

  constructor(
    private readonly maxLine: number,
    private readonly tooLong: (length: number) => Error,
  ) {}

  /** The lines `text` completes, without their terminators. */
  push(text: string): string[] {
    const lines: string[] = [];
    if (text === "") return lines;
    let start = 0;
    if (this.afterCr && text.startsWith("\n")) start = 1;
    this.afterCr = false;
    let lf = this.find(text, "\n", start);
    let cr = this.find(text, "\r", start);
    while (lf !== -1 || cr !== -1) {
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      lines.push(this.take(text.slice(start, end)));
      start = end + 1;
      if (text.charCodeAt(end) === 0x0d) {
        if (end + 1 === text.length) this.afterCr = true;
        else if (text.charCodeAt(end + 1) === 0x0a) start++;
      }
      // Only a terminator already passed is searched for again: still one pass.
      if (lf !== -1 && lf < start) lf = this.find(text, "\n", start);
      if (cr !== -1 && cr < start) cr = this.find(text, "\r", start);
    }
    if (start < text.length) {
      this.pieces.push(text.slice(start));
      this.pendingLength += text.length - start;
      if (this.pendingLength > this.maxLine) throw this.tooLong(this.pendingLength);
    }
    return lines;
  }

  /** What follows the last terminator (the stream's unterminated last line). */
  rest(): string {
    return this.take("");
  }

  private find(text: string, terminator: string, from: number): number {
    const at = text.indexOf(terminator, from);
    this.scanned += (at === -1 ? text.length : at + 1) - from;
    return at;
  }

  private take(last: string): string {
    if (this.pendingLength + last.length > this.maxLine) throw this.tooLong(this.pendingLength + last.length);
    if (this.pieces.length > 0) this.scanned += this.pendingLength;
    const line = this.pieces.length === 0 ? last : this.pieces.join("") + last;
    this.pieces = [];
    this.pendingLength = 0;
    return line;
  }
}

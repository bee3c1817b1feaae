/**
 * A tiny terminal for tests: enough of a VT100 to replay what a program wrote to a terminal
 * (printable text, CR, LF, cursor save/restore, cursor moves, line erase, a scrolling region)
 * and read the rows back, with the rows scrolled off the top kept in order.
 */
export class Screen {
  readonly rows: string[][];
  /** Rows scrolled off the top, oldest first. */
  readonly scrolledOff: string[] = [];
  private row = 0;
  private column = 0;
  private top = 0;
  private bottom: number;
  private saved = { row: 0, column: 0 };

  constructor(
    readonly height: number,
    readonly width: number,
  ) {
    this.rows = Array.from({ length: height }, () => []);
    this.bottom = height - 1;
  }

  /** Every row ever shown: those scrolled off, then the screen's, trailing spaces trimmed. */
  lines(): string[] {
    return [...this.scrolledOff, ...this.rows.map((row) => row.join("").trimEnd())];
  }

  write(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === "\x1b") {
        i = this.escape(text, i);
        continue;
      }
      if (c === "\r") this.column = 0;
      else if (c === "\n") this.lineFeed();
      else if (c >= " ") {
        if (this.column >= this.width) {
          this.column = 0;
          this.lineFeed();
        }
        const row = this.rows[this.row]!;
        while (row.length < this.column) row.push(" ");
        row[this.column++] = c;
      }
    }
  }

  private lineFeed(): void {
    if (this.row === this.bottom) {
      const [gone] = this.rows.splice(this.top, 1);
      if (this.top === 0) this.scrolledOff.push(gone!.join("").trimEnd());
      this.rows.splice(this.bottom, 0, []);
    } else if (this.row < this.height - 1) this.row++;
  }

  /** Interprets the escape sequence at `start`; returns the index of its last character. */
  private escape(text: string, start: number): number {
    const next = text[start + 1];
    if (next === "7") this.saved = { row: this.row, column: this.column };
    else if (next === "8") ({ row: this.row, column: this.column } = this.saved);
    if (next !== "[") return start + 1;
    let end = start + 2;
    while (end < text.length && !/[@-~]/.test(text[end]!)) end++;
    const parameters = text.slice(start + 2, end).split(";").map((p) => (p === "" ? undefined : Number(p)));
    const final = text[end];
    if (final === "H") {
      this.row = Math.min(this.height, parameters[0] ?? 1) - 1;
      this.column = (parameters[1] ?? 1) - 1;
    } else if (final === "A") this.row = Math.max(this.row >= this.top ? this.top : 0, this.row - (parameters[0] ?? 1));
    else if (final === "K" && parameters[0] === 2) this.rows[this.row] = [];
    else if (final === "r") {
      this.top = (parameters[0] ?? 1) - 1;
      this.bottom = (parameters[1] ?? this.height) - 1;
      this.row = 0;
      this.column = 0;
    }
    return end;
  }
}

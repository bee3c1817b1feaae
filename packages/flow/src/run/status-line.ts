/**
 * The progress bar's place on a terminal: the bottom row, kept out of the way of everything
 * else. Commands write straight to the terminal (they inherit it: no pipe through this process,
 * so they still see a terminal — colours, line buffering — and a run without a bar costs nothing
 * more), so the bar cannot be erased before their output. Instead the rows above the bottom one
 * become the scrolling region (DECSTBM, as apt's progress line does): output scrolls there, the
 * bar is drawn on the bottom row with the cursor saved and restored around it, and neither lands
 * on the other's line, not even a command's unfinished line. `finish` gives the terminal its
 * whole screen back. A terminal that reports no size (a pseudo-terminal made by `script` from
 * a pipe, some CI loggers) has no bottom row to keep: a line redrawn in place with `\r` had the
 * commands' output glued after it (`… ETA 5sline-from-o2`), so such a terminal gets the status
 * as whole lines instead, one every `plainEvery` draws (10 s in a run), as logs want it.
 * The alternative rejected: relaying commands' output through pipes to clear and redraw the bar
 * around each piece — commands would no longer see a terminal, and block-buffer their output.
 */

/** What the status line needs of a terminal (process.stderr). */
export interface StatusTerminal {
  write(text: string): void;
  readonly rows?: number;
}

/** Draws between two status lines on a terminal without a size (default: every draw). */
export interface StatusLineOptions {
  readonly plainEvery?: number;
}

/** Rows a terminal needs for the bar to take the bottom one (fewer: the plain line). */
export const statusRowsMin = 3;

const saveCursor = "\x1b7";
const restoreCursor = "\x1b8";
const clearLine = "\x1b[2K";

export class StatusLine {
  /** Rows of the scrolling region set (the bar is on the row below), or 0 when none is. */
  private regionRows = 0;
  /** Draws since the last whole status line on a terminal without a size (undefined: none yet). */
  private plainDraws: number | undefined;
  private last: string | undefined;
  private readonly plainEvery: number;

  constructor(
    private readonly terminal: StatusTerminal,
    options: StatusLineOptions = {},
  ) {
    this.plainEvery = Math.max(1, options.plainEvery ?? 1);
  }

  /** Draws `line` (one row, already fitted to the width) as the status, unless it is already shown. */
  draw(line: string): void {
    const rows = this.terminal.rows ?? 0;
    // the bottom row is the bar's alone: an unchanged line needs no redraw (an inline one may have been written over)
    if (line === this.last && rows >= statusRowsMin && this.regionRows === rows - 1) return;
    this.last = line;
    if (rows < statusRowsMin) {
      if (this.regionRows > 0) this.release();
      if (this.plainDraws !== undefined && ++this.plainDraws < this.plainEvery) return;
      this.plainDraws = 0;
      this.terminal.write(`${line}\n`);
      return;
    }
    this.plainDraws = undefined;
    let text = "";
    // a new line first, then back up: the cursor keeps its line and the bottom row is free
    if (this.regionRows === 0) text += `\n${saveCursor}\x1b[1;${rows - 1}r${restoreCursor}\x1b[1A`;
    else if (this.regionRows !== rows - 1) text += `${saveCursor}\x1b[${this.regionRows + 1};1H${clearLine}\x1b[1;${rows - 1}r${restoreCursor}`; // resized: the old bar goes
    this.regionRows = rows - 1;
    this.terminal.write(`${text}${saveCursor}\x1b[${rows};1H${clearLine}${line}${restoreCursor}`);
  }

  /** Redraws the last line after the terminal changed size. */
  resized(): void {
    const last = this.last;
    this.last = undefined;
    if (last !== undefined) this.draw(last);
  }

  /** Clears the bar and gives the terminal back its whole screen; `final` is printed where the cursor is. */
  finish(final?: string): void {
    if (this.regionRows > 0) this.release();
    if (final !== undefined) this.terminal.write(`${final}\n`);
  }

  /**
   * Clears the bar and gives the terminal its whole screen while this process is stopped
   * (Ctrl-Z: the shell's prompt and the next program need every row); `resumed` takes the
   * bottom row again.
   */
  suspend(): void {
    if (this.regionRows > 0) this.release();
  }

  /** Draws the last line again after `suspend` (continued: SIGCONT). */
  resumed(): void {
    this.resized();
  }

  /** Whether the terminal's scrolling region is set (and must be reset before this process ends). */
  get holdsTerminal(): boolean {
    return this.regionRows > 0;
  }

  private release(): void {
    const bottom = this.regionRows + 1;
    this.regionRows = 0;
    this.terminal.write(`${saveCursor}\x1b[${bottom};1H${clearLine}\x1b[r${restoreCursor}`);
  }
}

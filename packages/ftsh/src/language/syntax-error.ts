/** A position in a script: 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

/** A script that does not parse; `message` reads `file:line:column: reason`. Nothing has run. */
export class FtshSyntaxError extends Error {
  override name = "FtshSyntaxError";
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly reason: string;

  constructor(file: string, position: Position, reason: string) {
    super(`${file}:${position.line}:${position.column}: ${reason}`);
    this.file = file;
    this.line = position.line;
    this.column = position.column;
    this.reason = reason;
  }
}

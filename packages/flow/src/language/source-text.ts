/**
 * Splits workflow text into logical lines: a line ending in a backslash continues on the next
 * one (the backslash-newline becomes one space, as in Make), except a comment line, which ends
 * at its newline as upstream's lexer reads it (make would swallow the next line into it). Each logical line remembers where
 * its pieces came from so that errors point at the physical line and column.
 */
import type { SourceLocation } from "../workflow.ts";

export interface LogicalLine {
  readonly text: string;
  /** Whether the first physical line started with a blank (tab or space). */
  readonly indented: boolean;
  /** Maps an offset in `text` back to a location in the file. */
  locate(offset: number): SourceLocation;
}

interface Segment {
  readonly offset: number;
  readonly line: number;
}

class Line implements LogicalLine {
  constructor(
    readonly text: string,
    readonly indented: boolean,
    private readonly file: string,
    /** The physical line number, or the pieces of a continued line. */
    private readonly where: number | Segment[],
  ) {}

  locate(offset: number): SourceLocation {
    if (typeof this.where === "number") return { file: this.file, line: this.where, column: offset + 1 };
    // binary search: a rule listing 100 000 sources, one per continued line, locates each one
    const segments = this.where;
    let low = 0;
    let high = segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (segments[middle]!.offset <= offset) low = middle;
      else high = middle - 1;
    }
    const segment = segments[low]!;
    return { file: this.file, line: segment.line, column: offset - segment.offset + 1 };
  }
}

function endsWithContinuation(physical: string): boolean {
  let count = 0;
  for (let i = physical.length - 1; i >= 0 && physical.charCodeAt(i) === 92; i--) count++;
  return count % 2 === 1;
}

/** Whether a physical line is a comment: its first character that is not a blank is `#`. */
function isComment(physical: string): boolean {
  for (let i = 0; i < physical.length; i++) {
    const c = physical.charCodeAt(i);
    if (c !== 32 && c !== 9) return c === 35;
  }
  return false;
}

/**
 * Calls `each` with every logical line of `text`, in order; blank lines included (they end
 * nothing in Makeflow). Lines are made one at a time, so a large file is never held twice.
 */
export function forEachLogicalLine(text: string, file: string, each: (line: LogicalLine) => void): void {
  let position = 0;
  let number = 0;
  const next = (): string => {
    let end = text.indexOf("\n", position);
    if (end < 0) end = text.length;
    let piece = text.slice(position, end);
    position = end + 1;
    number++;
    if (piece.charCodeAt(piece.length - 1) === 13) piece = piece.slice(0, -1);
    return piece;
  };
  while (position <= text.length) {
    const first = number + 1;
    const piece = next();
    const firstCharacter = piece.charCodeAt(0);
    const indented = firstCharacter === 32 || firstCharacter === 9;
    if (!endsWithContinuation(piece) || position > text.length || isComment(piece)) {
      each(new Line(piece, indented, file, first));
      continue;
    }
    const segments: Segment[] = [{ offset: 0, line: first }];
    let joined = `${piece.slice(0, -1)} `;
    for (;;) {
      segments.push({ offset: joined.length, line: number + 1 });
      const more = next();
      if (endsWithContinuation(more) && position <= text.length) {
        joined += `${more.slice(0, -1)} `;
        continue;
      }
      joined += more;
      break;
    }
    each(new Line(joined, indented, file, segments));
  }
}

/** Every logical line of `text`, in order. */
export function logicalLines(text: string, file: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  forEachLogicalLine(text, file, (line) => lines.push(line));
  return lines;
}

/**
 * Logical lines read as one, joined by newlines (a quoted string of a command that spans
 * lines): offsets in the joined text locate in the line they came from.
 */
export function joinLines(lines: readonly LogicalLine[]): LogicalLine {
  const starts: number[] = [];
  let length = 0;
  for (const line of lines) {
    starts.push(length);
    length += line.text.length + 1;
  }
  return {
    text: lines.map((line) => line.text).join("\n"),
    indented: lines[0]!.indented,
    locate(offset: number): SourceLocation {
      let low = 0;
      let high = starts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (starts[middle]! <= offset) low = middle;
        else high = middle - 1;
      }
      return lines[low]!.locate(offset - starts[low]!);
    },
  };
}

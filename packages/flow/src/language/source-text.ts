/**
 * Splits workflow text into logical lines: a line ending in a backslash continues on the next
 * one (the backslash-newline becomes one space, as in Make). Each logical line remembers where
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
    private readonly segments: Segment[],
  ) {}

  locate(offset: number): SourceLocation {
    let index = 0;
    while (index + 1 < this.segments.length && this.segments[index + 1]!.offset <= offset) index++;
    const segment = this.segments[index]!;
    return { file: this.file, line: segment.line, column: offset - segment.offset + 1 };
  }
}

function endsWithContinuation(physical: string): boolean {
  let count = 0;
  for (let i = physical.length - 1; i >= 0 && physical[i] === "\\"; i--) count++;
  return count % 2 === 1;
}

/** Every logical line of `text`, in order; blank lines included (they end nothing in Makeflow). */
export function logicalLines(text: string, file: string): LogicalLine[] {
  const physical = text.split("\n");
  const lines: LogicalLine[] = [];
  let index = 0;
  while (index < physical.length) {
    const segments: Segment[] = [];
    let joined = "";
    const first = index;
    for (;;) {
      let piece = physical[index]!;
      if (piece.endsWith("\r")) piece = piece.slice(0, -1);
      segments.push({ offset: joined.length, line: index + 1 });
      index++;
      if (endsWithContinuation(piece) && index < physical.length) {
        joined += `${piece.slice(0, -1)} `;
        continue;
      }
      joined += piece;
      break;
    }
    const indented = /^[ \t]/.test(physical[first]!);
    lines.push(new Line(joined, indented, file, segments));
  }
  return lines;
}

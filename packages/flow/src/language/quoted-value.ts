/**
 * An assignment whose double-quoted value spans lines (`ARGS="-a\n  -b"`), as upstream's lexer
 * reads a quoted string: the newlines and indentation are the value's. It ends where the quote
 * closes; a line that reads as a rule (`name:` unindented) before that, or the end of the file,
 * is an error at the opening quote, as for a command (see quoted-command.ts). A single quote
 * left open stays an error at once: `MSG=don't` is a typo far more often than a multi-line value.
 */
import type { SourceLocation } from "../workflow.ts";
import { WorkflowError } from "./errors.ts";
import { readsAsRule } from "./quoted-command.ts";
import { joinLines, type LogicalLine } from "./source-text.ts";
import { commentStart, type QuoteState, quoteAfter, unterminatedQuote } from "./words.ts";

export class OpenValue {
  private readonly lines: LogicalLine[];
  private quote: QuoteState = '"';

  private constructor(
    first: LogicalLine,
    private readonly name: string,
    private readonly opening: SourceLocation,
    /** Takes the value's lines as one, once the quote closes. */
    readonly complete: (line: LogicalLine) => void,
  ) {
    this.lines = [first];
  }

  /**
   * The assignment to `name` whose value starts at `valueOffset` of `line`, when its value leaves
   * a double quote open; else undefined (the caller reads the value at once).
   */
  static open(line: LogicalLine, valueOffset: number, name: string, complete: (line: LogicalLine) => void): OpenValue | undefined {
    const text = line.text.slice(valueOffset);
    const raw = text.slice(0, commentStart(text));
    const at = unterminatedQuote(raw);
    if (at < 0 || raw[at] !== '"') return undefined;
    return new OpenValue(line, name, line.locate(valueOffset + at), complete);
  }

  /** Adds the next line; true when it closed the quote (then `complete` has taken the value). */
  add(line: LogicalLine): boolean {
    const rule = readsAsRule(line);
    if (rule) throw this.unterminated(rule);
    this.lines.push(line);
    this.quote = quoteAfter(line.text, this.quote);
    if (this.quote === '"') return false; // a single quote opened after it is the value's error, reported as ever

    this.complete(joinLines(this.lines));
    return true;
  }

  unterminated(why: string): WorkflowError {
    return new WorkflowError(this.opening, `unterminated quote " in the value of ${this.name} (${why})`);
  }
}

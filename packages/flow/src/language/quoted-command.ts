/**
 * A command whose quoted string spans lines, as upstream's lexer reads one: a quote still open
 * at the end of a command line goes on over the next lines, their newlines and indentation kept
 * inside the string, until it closes (an awk program, a `python3 -c "…"`). What follows the
 * closing quote on its line is still the command.
 *
 * Upstream reads on to the end of the file. A quote left open by mistake (`echo don't`) would
 * then swallow the rules after it, up to the next quote, without a word; here a line that reads
 * as a rule (`name:` unindented) ends the search with an error at the quote instead.
 */
import type { SourceLocation } from "../workflow.ts";
import { WorkflowError } from "./errors.ts";
import type { PendingRule } from "./rule-builder.ts";
import { joinLines, type LogicalLine } from "./source-text.ts";
import { type QuoteState, quoteAfter, unterminatedQuote } from "./words.ts";

/** An unindented `words:` line: a rule line, not the inside of a quoted string. */
const ruleLike = /^[^\s#'"=:$]+(?:[ \t]+[^\s#'"=:$]+)*[ \t]*:(?:[ \t]|$)/;

/** Why a quote still open cannot go on into `line` (it reads as a rule), or undefined. */
export function readsAsRule(line: LogicalLine): string | undefined {
  if (line.indented || !ruleLike.test(line.text)) return undefined;
  const rule = line.text.trim();
  const shown = rule.length > 60 ? `${rule.slice(0, 57)}...` : rule;
  return `it reaches line ${line.locate(0).line}, '${shown}', which reads as a rule: close the quote before the next rule`;
}

export class OpenCommand {
  private readonly lines: LogicalLine[];
  private readonly opening: SourceLocation;
  private readonly quoteCharacter: string;

  private constructor(
    readonly pending: PendingRule,
    first: LogicalLine,
    /** Where the command starts in its first line. */
    readonly start: number,
    private quote: QuoteState,
  ) {
    this.lines = [first];
    const at = unterminatedQuote(first.text.slice(start)); // no shell comment before it: its quotes would not count
    this.opening = first.locate(start + Math.max(at, 0));
    this.quoteCharacter = quote;
  }

  /** The command that starts at `start` of `line`, when it leaves a quote open; else undefined. */
  static open(pending: PendingRule, line: LogicalLine, start: number): OpenCommand | undefined {
    const quote = quoteAfter(line.text.slice(start), "");
    return quote ? new OpenCommand(pending, line, start, quote) : undefined;
  }

  /** Adds the next line; true when it closed the quote (the command is complete). */
  add(line: LogicalLine): boolean {
    const rule = readsAsRule(line);
    if (rule) throw this.unterminated(rule);
    this.lines.push(line);
    this.quote = quoteAfter(line.text, this.quote);
    return this.quote === "";
  }

  /** The command's lines as one. */
  line(): LogicalLine {
    return joinLines(this.lines);
  }

  unterminated(why: string): WorkflowError {
    return new WorkflowError(this.opening, `unterminated quote ${this.quoteCharacter} in the command (${why})`);
  }
}

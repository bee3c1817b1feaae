/**
 * Shell-like word handling: `splitWords` splits a target or source list on blanks outside quotes
 * and removes the quotes; `checkQuotes` finds an unterminated quote in a command without
 * changing it (the shell interprets the command's quotes); `firstUnquoted` and `commentStart`
 * find a character, or where a `#` comment starts, outside quotes.
 */
import type { LogicalLine } from "./source-text.ts";
import { WorkflowError } from "./errors.ts";

export interface Word {
  readonly text: string;
  /** Offset of the word's first character in the logical line. */
  readonly offset: number;
  /** Index in `text` of the first `->` that was neither quoted nor escaped, or -1. */
  readonly arrow: number;
}

/** Offset of an unterminated quote in `text`, or -1. Backslash escapes the next character. */
export function unterminatedQuote(text: string): number {
  if (text.indexOf('"') < 0 && text.indexOf("'") < 0) return -1; // most lines: no scan by hand
  const end = { unclosed: -1 };
  scanUnquoted(text, () => false, end);
  return end.unclosed;
}

export function checkQuotes(text: string, line: LogicalLine, offset: number): void {
  const at = unterminatedQuote(text);
  if (at >= 0) throw new WorkflowError(line.locate(offset + at), `unterminated quote ${text[at]}`);
}

/** Splits on unquoted blanks, removing quotes and backslash escapes. */
export function splitWords(text: string, line: LogicalLine, offset: number): Word[] {
  checkQuotes(text, line, offset);
  const words: Word[] = [];
  let current = "";
  let start = -1;
  let arrow = -1;
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = "";
      else if (c === "\\" && quote === '"' && (text[i + 1] === '"' || text[i + 1] === "\\")) current += text[++i];
      else current += c;
      continue;
    }
    if (c === " " || c === "\t") {
      if (start >= 0) words.push({ text: current, offset: offset + start, arrow });
      current = "";
      start = -1;
      arrow = -1;
      continue;
    }
    if (start < 0) start = i;
    if (c === "-" && text[i + 1] === ">" && arrow < 0) arrow = current.length;
    if (c === '"' || c === "'") quote = c;
    else if (c === "\\" && i + 1 < text.length) current += text[++i];
    else current += c;
  }
  if (start >= 0) words.push({ text: current, offset: offset + start, arrow });
  return words;
}

/** Strips one pair of quotes around a whole value (`CATEGORY="x"` names category x). */
export function unquote(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length >= 2 && (trimmed[0] === '"' || trimmed[0] === "'") && trimmed.endsWith(trimmed[0]!)) {
    return trimmed.slice(1, -1);
  }
  return trimmed;
}

/** Offset of the first character of `wanted` outside quotes (backslash escapes), or -1. */
export function firstUnquoted(text: string, wanted: string): number {
  if (text.indexOf('"') < 0 && text.indexOf("'") < 0 && text.indexOf("\\") < 0) {
    // nothing quoted or escaped (most lines): the string's own search, not a loop in JavaScript
    let first = -1;
    for (let i = 0; i < wanted.length; i++) {
      const at = text.indexOf(wanted[i]!);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    }
    return first;
  }
  return scanUnquoted(text, (i) => wanted.includes(text[i]!));
}

/**
 * Offset of the first character outside quotes for which `wanted` holds, or -1. A backslash
 * escapes the next character outside quotes and inside double quotes (`"a\"b"`), as
 * `splitWords` reads it; inside single quotes nothing is special but the closing quote. When
 * nothing is wanted there, `end.unclosed` is where a quote left open at the end began, or -1.
 */
function scanUnquoted(text: string, wanted: (at: number) => boolean, end?: { unclosed: number; quote?: QuoteState }, open: QuoteState = ""): number {
  let quote: QuoteState = open;
  let opened = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = "";
    } else if (c === "\\") {
      i++;
    } else if (quote) {
      if (c === '"') quote = "";
    } else if (c === '"' || c === "'") {
      quote = c;
      opened = i;
    } else if (wanted(i)) return i;
  }
  if (end) {
    end.unclosed = quote ? opened : -1;
    end.quote = quote;
  }
  return -1;
}

/** Offset where an unquoted `#` starts a trailing comment, or the text length. */
export function commentStart(text: string): number {
  const at = firstUnquoted(text, "#");
  return at < 0 ? text.length : at;
}

/**
 * Offset where a shell comment starts in a command (a `#` outside quotes that begins a word, as
 * `sh` reads it: `a#b` and `$#` are not comments), or the text length.
 */
export function shellCommentStart(text: string): number {
  if (text.indexOf("#") < 0) return text.length;
  const at = scanUnquoted(text, (i) => startsShellComment(text, i));
  return at < 0 ? text.length : at;
}

/** Whether an unquoted `#` at `i` starts a shell comment: it begins a word. */
function startsShellComment(text: string, i: number): boolean {
  return text[i] === "#" && (i === 0 || text[i - 1] === " " || text[i - 1] === "\t");
}

/**
 * Offset of an unquoted `:` that ends a word (followed by a blank or the end), as a second rule
 * separator reads (`a: b: c`), or -1. A colon inside a word (`http://x`, `C:x`) is the name's own.
 */
export function separatorColon(text: string): number {
  if (text.indexOf(":") < 0) return -1;
  return scanUnquoted(text, (i) => text[i] === ":" && (i + 1 === text.length || text[i + 1] === " " || text[i + 1] === "\t"));
}

/** The quote open at some point of a command: none, single or double. */
export type QuoteState = "" | "'" | '"';

/**
 * The quote left open at the end of `text` when `state` was open at its start (a quote opened
 * on an earlier line), as `scanUnquoted` reads quotes; a shell comment (an unquoted `#` that
 * starts a word) ends the text. Linear in `text`, so a string spanning many lines is read once.
 */
export function quoteAfter(text: string, state: QuoteState): QuoteState {
  if (state === "" && text.indexOf('"') < 0 && text.indexOf("'") < 0) return ""; // most commands
  const end: { unclosed: number; quote?: QuoteState } = { unclosed: -1 };
  return scanUnquoted(text, (i) => startsShellComment(text, i), end, state) >= 0 ? "" : end.quote!;
}

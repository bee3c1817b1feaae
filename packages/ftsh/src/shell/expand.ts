/**
 * Word expansion. Unquoted variables are split into fields at blanks (so `for x in $list`
 * iterates over the words of `list`), quoted ones are not, and `"$@"` gives each argument as its
 * own field — the Bourne shell's rules, which ftsh's tests expect. There is no globbing (ftsh
 * has it switched off) and no command substitution (capture output with `->` instead).
 */
import type { Word } from "../language/ast.ts";
import type { Frame, ShellState } from "./shell-state.ts";

export interface ExpansionScope {
  state: ShellState;
  frame: Frame;
  pid: number;
}

/** The value of `$name` in `scope`. */
export function variableValue(name: string, scope: ExpansionScope): string {
  const { frame } = scope;
  if (/^[0-9]+$/.test(name)) return frame.args[Number(name)] ?? "";
  switch (name) {
    case "#":
      return String(Math.max(0, frame.args.length - 1));
    case "*":
    case "@":
      return frame.args.slice(1).join(" ");
    case "$":
      return String(scope.pid);
    default:
      return scope.state.value(name);
  }
}

/** The word as one string, without field splitting (assignments, expressions, redirection targets). */
export function expandToString(word: Word, scope: ExpansionScope): string {
  return word.parts.map((part) => (part.kind === "literal" ? part.text : variableValue(part.name, scope))).join("");
}

class FieldBuilder {
  readonly fields: string[] = [];
  private current = "";
  private started = false;

  add(text: string, counts: boolean): void {
    this.current += text;
    this.started ||= counts || text !== "";
  }

  /** Ends the current field (if anything started it). */
  cut(): void {
    if (this.started) this.fields.push(this.current);
    this.current = "";
    this.started = false;
  }

  /** Adds unquoted text, cutting fields at blanks. */
  addSplitting(text: string): void {
    const pieces = text.split(/[ \t\n]+/);
    pieces.forEach((piece, index) => {
      if (index > 0) this.cut();
      this.add(piece, false);
    });
  }
}

/** The word as a list of fields (command arguments, `for` lists). */
export function expandToFields(word: Word, scope: ExpansionScope): string[] {
  const builder = new FieldBuilder();
  for (const part of word.parts) {
    if (part.kind === "literal") {
      builder.add(part.text, part.quoted);
    } else if (part.name === "@" || part.name === "*") {
      const args = scope.frame.args.slice(1);
      if (!part.quoted) builder.addSplitting(args.join(" "));
      else if (part.name === "*") builder.add(args.join(" "), true);
      else
        args.forEach((arg, index) => {
          if (index > 0) builder.cut();
          builder.add(arg, true);
        });
    } else if (part.quoted) {
      builder.add(variableValue(part.name, scope), true);
    } else {
      builder.addSplitting(variableValue(part.name, scope));
    }
  }
  builder.cut();
  return builder.fields;
}

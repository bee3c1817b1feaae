/**
 * `.MAKEFLOW` directives: `CATEGORY name`, a resource (`CORES`, `MEMORY`, `DISK`, `GPUS`,
 * `WALL_TIME`, `MPI_PROCESSES`) with a value, `MODE mode` for the current category, and
 * `SIZE file bytes` (also the older `.SIZE file bytes`). Anything else is an error.
 */
import { resourceVariables, type SourceLocation } from "../workflow.ts";
import { WorkflowError } from "./errors.ts";
import { expand, type Lookup } from "./expand.ts";
import { normalizePath, rawWords } from "./file-words.ts";
import type { LogicalLine } from "./source-text.ts";
import { unquote } from "./words.ts";

export type Directive =
  /** `location` is where the value was written, for an error about it. */
  | { kind: "assign"; name: string; value: string; location: SourceLocation }
  | { kind: "mode"; mode: string }
  | { kind: "size"; path: string; bytes: number };

const modes = new Set(["fixed", "max", "min_waste", "max_throughput"]);

/** Reads the directive on `line`, whose text (after blanks) starts at `offset`. */
export function readDirective(line: LogicalLine, offset: number, lookup: Lookup): Directive {
  const words = rawWords(line.text.slice(offset), line, offset).map((w) => ({
    text: unquote(expand(w.text, lookup, line, w.offset)),
    offset: w.offset,
  }));
  const head = words[0]!;
  if (head.text === ".SIZE") return readSize(words.slice(1), line, head.offset);
  if (head.text !== ".MAKEFLOW") {
    throw new WorkflowError(line.locate(head.offset), `unknown directive '${head.text}' (no phony or special targets in Makeflow)`);
  }
  const keyword = words[1];
  if (!keyword) throw new WorkflowError(line.locate(head.offset), "'.MAKEFLOW' needs a directive name");
  const argument = words[2];
  const name = keyword.text.toUpperCase();
  if (name === "SIZE") return readSize(words.slice(2), line, keyword.offset);
  if (name !== "CATEGORY" && name !== "MODE" && !resourceVariables.has(name)) {
    throw new WorkflowError(line.locate(keyword.offset), `unknown directive '.MAKEFLOW ${keyword.text}'`);
  }
  if (!argument || words.length > 3) {
    throw new WorkflowError(line.locate(keyword.offset), `'.MAKEFLOW ${name}' takes exactly one value`);
  }
  if (name === "MODE") {
    if (!modes.has(argument.text)) {
      throw new WorkflowError(line.locate(argument.offset), `unknown allocation mode '${argument.text}' (fixed, max, min_waste, max_throughput)`);
    }
    return { kind: "mode", mode: argument.text };
  }
  return { kind: "assign", name, value: argument.text, location: line.locate(argument.offset) };
}

function readSize(words: { text: string; offset: number }[], line: LogicalLine, offset: number): Directive {
  const [path, bytes] = words;
  const size = Number(bytes?.text);
  if (!path || !bytes || words.length > 2 || !Number.isFinite(size) || size < 0) {
    throw new WorkflowError(line.locate(offset), "SIZE takes a file name and a size in bytes");
  }
  return { kind: "size", path: normalizePath(path.text), bytes: size };
}

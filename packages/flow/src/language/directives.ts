/**
 * `.MAKEFLOW` directives: `CATEGORY name`, a resource (`CORES`, `MEMORY`, `DISK`, `GPUS`,
 * `WALL_TIME`, `MPI_PROCESSES`) with a value, `MODE mode` for the current category, and
 * `SIZE file bytes` (also the older `.SIZE file bytes`; `10M` is 10 × 2^20 bytes, as upstream
 * reads it). Anything else is an error.
 */
import { resourceVariables, type SourceLocation } from "../workflow.ts";
import { WorkflowError } from "./errors.ts";
import { expand, type Lookup } from "./expand.ts";
import { normalizePath, rawWords } from "./file-words.ts";
import type { LogicalLine } from "./source-text.ts";
import { commentStart, unquote } from "./words.ts";

export type Directive =
  /** `location` is where the value was written, for an error about it. */
  | { kind: "assign"; name: string; value: string; location: SourceLocation }
  | { kind: "mode"; mode: string }
  | { kind: "size"; path: string; bytes: number };

const modes = new Set(["fixed", "max", "min_waste", "max_throughput"]);

/** Reads the directive on `line`, whose text (after blanks) starts at `offset`. */
export function readDirective(line: LogicalLine, offset: number, lookup: Lookup): Directive {
  const text = line.text.slice(offset);
  const words = rawWords(text.slice(0, commentStart(text)), line, offset).map((w) => ({
    text: unquote(expand(w.text, lookup, line, w.offset)),
    offset: w.offset,
  }));
  const head = words[0]!;
  const umbrella = words.find((w) => /^\.UMBREL?LA$/i.test(w.text)); // also after `.MAKEFLOW CATEGORY c`, as the manual writes it
  if (umbrella) {
    throw new WorkflowError(line.locate(umbrella.offset), `'${umbrella.text}' (an Umbrella specification of the execution environment) is not supported: skein runs commands in the environment it has`);
  }
  if (head.text === ".SIZE") return readSize(words.slice(1), line, head.offset);
  if (head.text === ".RESOURCE") {
    // older upstream's spelling (parser.c before the split read `.RESOURCE CORES|DISK|MEMORY|CATEGORY v`
    // as `.MAKEFLOW` reads them now); current upstream (parser_make.c) refuses it: "Unknown DIRECTIVE type"
    throw new WorkflowError(line.locate(head.offset), `'.RESOURCE' is older Makeflow's: write '.MAKEFLOW ${words[1]?.text ?? "CORES"} value'`);
  }
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
    const mode = argument.text.toLowerCase(); // upstream writes them MAX_THROUGHPUT, MIN_WASTE, FIXED
    if (!modes.has(mode)) {
      throw new WorkflowError(line.locate(argument.offset), `unknown allocation mode '${argument.text}' (fixed, max, min_waste, max_throughput)`);
    }
    return { kind: "mode", mode };
  }
  return { kind: "assign", name, value: argument.text, location: line.locate(argument.offset) };
}

/** A size as upstream's `string_metric_parse` reads it: `512`, `10K`, `3M`, `2G` (powers of 1024), `1TB`. */
const sizeText = /^(\d+(?:\.\d+)?)(?:([KMGTP])B?)?$/i;
const sizeShift: Readonly<Record<string, number>> = { K: 10, M: 20, G: 30, T: 40, P: 50 };

/** Bytes of a size, or undefined when `text` is not one. */
export function sizeBytes(text: string): number | undefined {
  const match = sizeText.exec(text);
  if (!match) return undefined;
  const bytes = Number(match[1]) * 2 ** (match[2] ? sizeShift[match[2].toUpperCase()]! : 0);
  return Number.isFinite(bytes) ? bytes : undefined;
}

function readSize(words: { text: string; offset: number }[], line: LogicalLine, offset: number): Directive {
  const [path, bytes] = words;
  const size = bytes === undefined ? undefined : sizeBytes(bytes.text);
  if (!path || !bytes || words.length > 2) throw new WorkflowError(line.locate(offset), "SIZE takes a file name and a size in bytes");
  if (size === undefined) {
    throw new WorkflowError(line.locate(bytes.offset), `'${bytes.text}' is not a size: bytes, or a number with K, M, G, T or P (powers of 1024)`);
  }
  return { kind: "size", path: normalizePath(path.text), bytes: size };
}

/**
 * Target and source lists: split the raw text into words (keeping each word's position), expand
 * variables in each, split the result again (a variable may hold a list), and read remote
 * renaming `local->remote` (blanks around the arrow allowed, as upstream: `a -> b`). Paths are normalized so `./a` and `a` name one file, then named
 * against the workflow's directory (canonical-path.ts) so `/w/a` and `a` do too; `a/../b` is not `b` (normalizePath).
 */
import type { FileReference } from "../workflow.ts";
import { type Canonical, fileNamed } from "./canonical-path.ts";
import { WorkflowError } from "./errors.ts";
import { expand, type Lookup } from "./expand.ts";
import type { LogicalLine } from "./source-text.ts";
import { checkQuotes, splitWords, type Word } from "./words.ts";

/** A word as written, quotes and escapes still in it. */
export type RawWord = Omit<Word, "arrow">;

/** Word boundaries of raw text; quotes and backslashes are kept for later expansion. */
export function rawWords(text: string, line: LogicalLine, offset: number): RawWord[] {
  checkQuotes(text, line, offset);
  const words: RawWord[] = [];
  let start = -1;
  let quote = "";
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = "";
      else if (c === "\\" && quote === '"') i++;
      continue;
    }
    if (c === undefined || c === " " || c === "\t") {
      if (start >= 0) words.push({ text: text.slice(start, i), offset: offset + start });
      start = -1;
      continue;
    }
    if (start < 0) start = i;
    if (c === '"' || c === "'") quote = c;
    else if (c === "\\") i++;
  }
  return words;
}

/** A `.` or `..` segment, a doubled or trailing slash: what normalizePath may change. */
const needsNormalizing = /(?:^|\/)\.\.?(?:\/|$)|\/\/|\/$/;

/** Plain words: no quotes, escapes, variables or renaming, so no expansion is needed. */
const plainList = /^[^"'\\$>\0]*$/;

/**
 * Normalizes a path as written: `./a/` is `a`, `a//b` is `a/b`, absolute paths stay absolute.
 * A `..` that follows a name is kept as written (`a/../b` stays): with `a` a symbolic link, the
 * kernel reads it as another file than `b`, and upstream and make compare names as written.
 * A leading `..` is kept too (canonical-path.ts resolves it against the workflow's directory),
 * and `/..` is `/`.
 */
export function normalizePath(path: string): string {
  if (path !== "" && !needsNormalizing.test(path)) return path;
  const absolute = path.startsWith("/");
  const kept: string[] = [];
  let named = false; // a name was kept: every `..` after it stays
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === ".." && !named && absolute) continue;
    kept.push(segment);
    if (segment !== "..") named = true;
  }
  const joined = kept.join("/");
  return absolute ? `/${joined}` : joined === "" ? "." : joined;
}

/**
 * Why a remote name given with `local->remote` cannot name a file in a job's sandbox, or
 * undefined. Workers refuse such a task when it runs; the workflow is refused before anything runs.
 */
export function remoteNameProblem(remote: string): string | undefined {
  if (remote === "." || remote === "") return "it names the sandbox itself";
  if (remote.startsWith("/")) return "it is an absolute path";
  if (remote === ".." || remote.startsWith("../")) return "it leads out of the sandbox ('..')";
  // `..` after a name is kept as written (normalizePath): `a/../../x` leaves, `a/..` is the sandbox
  if (remote.split("/").includes("..")) return "it holds a '..' segment, which can lead out of the sandbox";
  return undefined;
}

/** A file named `text`, renamed when `arrow` (the index of an unquoted `->`) is not -1. */
function fileReference(text: string, arrow: number, canonical: Canonical, line: LogicalLine, offset: number): FileReference {
  const location = line.locate(offset);
  if (text.includes("\0")) throw new WorkflowError(location, "a file name cannot hold a NUL byte");
  // `""` or a quoted empty variable: normalized, it would be '.', the whole workflow directory
  if (text === "") throw new WorkflowError(location, "an empty file name (a quoted empty word, or a quoted variable with no value)");
  if (arrow < 0) return fileNamed(normalizePath(text), canonical, location);
  const local = text.slice(0, arrow);
  const remote = text.slice(arrow + 2);
  if (!local || !remote || remote.includes("->")) {
    // a second arrow, even quoted, is refused: `a->"b->c"` is too easy to misread
    throw new WorkflowError(location, `remote renaming must read 'local->remote', not '${text}'`);
  }
  const remoteName = normalizePath(remote);
  const problem = remoteNameProblem(remoteName);
  if (problem) throw new WorkflowError(location, `remote name '${remote}' cannot name a file in the job's sandbox: ${problem}`);
  return fileNamed(normalizePath(local), canonical, location, remoteName);
}

/**
 * The files of the list being read, copied at their size when it ends: an array pushed to from
 * empty holds room for 17, and each of 100 000 rules kept that room for its targets and sources.
 */
const collected: FileReference[] = [];

/** Reads a target or source list starting at `offset` of `line`. */
/** make's `targets: normal | order-only` separator, unquoted and alone: not a file named `|`. */
function orderOnly(line: LogicalLine, offset: number): WorkflowError {
  return new WorkflowError(line.locate(offset), "'|' is make's order-only separator; Makeflow has none: list those files as sources (quote it, '|', for a file of that name)");
}

export function fileList(text: string, lookup: Lookup, canonical: Canonical, line: LogicalLine, offset: number): FileReference[] {
  collected.length = 0; // a list that failed left its files
  const files = readFileList(text, lookup, canonical, line, offset, collected);
  collected.length = 0;
  return files;
}

function readFileList(text: string, lookup: Lookup, canonical: Canonical, line: LogicalLine, offset: number, files: FileReference[]): FileReference[] {
  if (plainList.test(text)) {
    let start = -1;
    for (let i = 0; i <= text.length; i++) {
      const c = text.charCodeAt(i);
      if (i < text.length && c !== 32 && c !== 9) {
        if (start < 0) start = i;
        continue;
      }
      if (start < 0) continue;
      if (i - start === 1 && text.charCodeAt(start) === 124) throw orderOnly(line, offset + start);
      files.push(fileNamed(normalizePath(text.slice(start, i)), canonical, line.locate(offset + start)));
      start = -1;
    }
    return files.slice();
  }
  const words: Word[] = [];
  for (const raw of rawWords(text, line, offset)) {
    if (raw.text === "|") throw orderOnly(line, raw.offset);
    const expanded = expand(raw.text, lookup, line, raw.offset);
    for (const word of splitWords(expanded, line, raw.offset)) words.push({ ...word, offset: raw.offset });
  }
  for (let i = 0; i < words.length; i++) {
    let word = words[i]!;
    // `a -> b`, `a ->b`, `a-> b`: blanks around an unquoted arrow, as upstream's lexer reads them
    while (i + 1 < words.length && (word.arrow >= 0 ? word.arrow === word.text.length - 2 : words[i + 1]!.arrow === 0)) {
      const next = words[++i]!;
      word = { text: word.text + next.text, offset: word.offset, arrow: word.arrow >= 0 ? word.arrow : next.arrow >= 0 ? word.text.length + next.arrow : -1 };
    }
    files.push(fileReference(word.text, word.arrow, canonical, line, word.offset));
  }
  return files.slice();
}

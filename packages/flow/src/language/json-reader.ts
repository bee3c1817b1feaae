/**
 * A small JSON reader that remembers where each value started, so that errors in a JSON
 * workflow name `file:line:column` like errors in Makeflow text. Iterative over strings,
 * recursive over nesting (bounded by `depthMax`).
 */
import type { SourceLocation } from "../workflow.ts";
import { formatLocation, WorkflowError } from "./errors.ts";
import { Int32List, Positions } from "./json-positions.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface JsonDocument {
  readonly value: Json;
  /** Offset where an object's key, or an array's item, starts (0 when unknown). */
  offsetOf(container: object, key: string | number): number;
  locate(offset: number): SourceLocation;
}

/** A JSON number or `true`, `false`, `null`, read where `lastIndex` is set (sticky: no slicing). */
const literalPattern = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Deepest nesting accepted; deeper input is an error rather than a stack overflow. */
export const jsonDepthMax = 512;

/**
 * Where each item of an array starts (by index), or where each key of an object starts, kept
 * in one table of the whole document (`Positions`): a container holds, under a symbol (which
 * `Object.keys` and `JSON.stringify` do not see), only where its entries start there. An array
 * of offsets per container (400 000 of them for 100 000 rules) made garbage collection much of
 * the reading time, and a WeakMap of containers more so. Keys are not kept: a lookup by key
 * reads the keys again from the text (most lookups are for an error's position).
 */
const offsetsKey = Symbol("JSON offsets");
type Positioned = { [offsetsKey]?: number };

/** Keys remembered by their length and first and last characters, so a key read again is not a new string each time. */
const keyCacheSize = 256;
/** Keys longer than this are not remembered. */
const keyCachedLengthMax = 32;

/**
 * What to add to a syntax error at `c` when it looks like JX (`"out." + N`, `for N in …`,
 * `format(…)`): upstream evaluates JX with `--jx`; this reader takes plain JSON only.
 */
function jxHint(c: string | undefined): string {
  return c !== undefined && /[A-Za-z_+\-*/%(]/.test(c) ? " (a JX expression? skein reads plain JSON: evaluate JX first with upstream's jx2json)" : "";
}

/** Where each line of `text` starts (after a byte order mark, the first at 1). */
function lineStarts(text: string): Int32Array {
  let count = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) count++;
  const starts = new Int32Array(count);
  starts[0] = bomOffset(text);
  for (let i = 0, line = 1; line < count; i++) if (text.charCodeAt(i) === 10) starts[line++] = i + 1;
  return starts;
}

/** 1 when `text` starts with a byte order mark, as some editors write: not part of the JSON, and not a column. */
function bomOffset(text: string): number {
  return text.charCodeAt(0) === 0xfeff ? 1 : 0;
}

class Reader {
  index = 0;
  /**
   * Where each line starts. In JSON a newline can only be a blank between tokens, so `blank()`
   * notes where lines start as it reads (`newlines`), and a document read whole needs no scan
   * of its own for them; an error (the text read only in part) scans the text instead.
   */
  private lineStarts: Int32Array | undefined;
  /** The line (from 0) `locate` found last. */
  private lastLine = 0;
  private readonly newlines = new Int32List();
  readonly positions = new Positions((offset) => this.keyAt(offset));
  /** The items of the arrays being read. */
  private readonly items: Json[] = [];
  private readonly keyCache: Array<string | undefined> = new Array(keyCacheSize).fill(undefined);

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    this.index = bomOffset(text);
    this.newlines.push(this.index);
  }

  /** The whole text is read: its line starts are the newlines `blank()` found. */
  finish(): void {
    this.lineStarts ??= this.newlines.values.subarray(0, this.newlines.length);
  }

  locate(offset: number): SourceLocation {
    const starts = (this.lineStarts ??= lineStarts(this.text));
    // a workflow's positions are asked for in the order of the text: the line of the last one,
    // or one a few lines on, is found without a binary search over every line
    let line = this.lastLine;
    if (line >= starts.length || starts[line]! > offset) line = 0;
    for (let step = 0; step < 4 && line + 1 < starts.length && starts[line + 1]! <= offset; step++) line++;
    if (line + 1 < starts.length && starts[line + 1]! <= offset) {
      let low = line;
      let high = starts.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (starts[middle]! <= offset) low = middle;
        else high = middle - 1;
      }
      line = low;
    }
    this.lastLine = line;
    return { file: this.file, line: line + 1, column: Math.max(offset - starts[line]!, 0) + 1 };
  }

  fail(message: string): never {
    throw new WorkflowError(this.locate(Math.min(this.index, this.text.length)), message);
  }

  /** Fails at the character just read. */
  failBefore(message: string): never {
    this.index--;
    return this.fail(message);
  }

  blank(): void {
    const text = this.text;
    let index = this.index;
    for (;;) {
      const c = text.charCodeAt(index);
      if (c === 32 || c === 9 || c === 13) index++;
      else if (c === 10) this.newlines.push(++index);
      else break;
    }
    this.index = index;
  }

  value(depth: number): Json {
    if (depth > jsonDepthMax) this.fail(`JSON nested deeper than ${jsonDepthMax}`);
    this.blank();
    const c = this.text[this.index];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    literalPattern.lastIndex = this.index;
    const literal = literalPattern.exec(this.text);
    if (!literal) this.fail(c === undefined ? "unexpected end of JSON" : `unexpected '${c}' in JSON${jxHint(c)}`);
    this.index += literal[0].length;
    const word = literal[0];
    return word === "true" ? true : word === "false" ? false : word === "null" ? null : Number(word);
  }

  string(): string {
    const start = this.index;
    const text = this.text;
    // most strings hold no escape and no control character: sliced as they are, not parsed
    let index = start + 1;
    for (;;) {
      const c = text.charCodeAt(index);
      if (c === 34) {
        this.index = index + 1;
        return text.slice(start + 1, index);
      }
      if (c < 32) {
        this.index = index;
        this.fail(`a control character (U+${c.toString(16).toUpperCase().padStart(4, "0")}) in a JSON string must be written as an escape`);
      }
      if (c === 92 || Number.isNaN(c)) break;
      index++;
    }
    this.index++;
    while (this.index < this.text.length && this.text[this.index] !== '"') {
      if (this.text[this.index] === "\\") this.index++;
      this.index++;
    }
    if (this.index >= this.text.length) {
      this.index = start;
      this.fail("unterminated string in JSON");
    }
    this.index++;
    try {
      return JSON.parse(this.text.slice(start, this.index)) as string;
    } catch {
      this.index = start;
      return this.fail("bad escape in JSON string");
    }
  }

  /**
   * A key: as `string()` reads it, but one without escapes that was read before is the same
   * string again (found by its length and first and last characters), not a new one to intern.
   */
  key(): string {
    const text = this.text;
    const start = this.index + 1;
    let end = start;
    for (;;) {
      const c = text.charCodeAt(end);
      if (c === 34) break;
      if (c < 32 || c === 92 || end - start >= keyCachedLengthMax || Number.isNaN(c)) return this.string();
      end++;
    }
    const length = end - start;
    const slot = (length * 31 + text.charCodeAt(start) * 7 + text.charCodeAt(end - 1)) & (keyCacheSize - 1);
    const cached = this.keyCache[slot];
    this.index = end + 1;
    if (cached !== undefined && cached.length === length && text.startsWith(cached, start)) return cached;
    const key = text.slice(start, end);
    this.keyCache[slot] = key;
    return key;
  }

  /** The key whose quote is at `offset` (read before: no error). */
  keyAt(offset: number): string {
    const index = this.index;
    this.index = offset;
    const key = this.key();
    this.index = index;
    return key;
  }

  /** Where `key` of a container read by this reader started, or undefined. */
  offsetOf(container: object, key: string | number): number | undefined {
    const base = (container as Positioned)[offsetsKey];
    if (base === undefined) return undefined;
    if (Array.isArray(container)) return this.positions.item(base, Number(key));
    return this.positions.key(base, String(key));
  }

  object(depth: number): Json {
    const object: { [key: string]: Json } = {};
    const positions = this.positions;
    const mark = positions.mark;
    this.index++;
    this.blank();
    if (this.text[this.index] !== "}") {
      for (;;) {
        this.blank();
        if (this.text[this.index] !== '"') this.fail("expected a quoted key in JSON object");
        const keyOffset = this.index;
        const key = this.key();
        this.blank();
        if (this.text[this.index] !== ":") this.fail("expected ':' after JSON key");
        this.index++;
        this.blank();
        if (Object.hasOwn(object, key)) {
          this.index = keyOffset;
          this.fail(`duplicate key '${key}' in JSON object (first at ${formatLocation(this.locate(positions.pending(mark, key) ?? 0))})`);
        }
        positions.push(keyOffset);
        const value = this.value(depth + 1);
        // "__proto__" is a key like any other, as JSON.parse reads it, not the object's prototype
        if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
        else object[key] = value;
        this.blank();
        const c = this.text[this.index++];
        if (c === "}") break;
        if (c !== ",") this.failBefore(`expected ',' or '}' in JSON object${jxHint(c)}`);
      }
    } else this.index++;
    (object as Positioned)[offsetsKey] = positions.close(mark);
    return object;
  }

  array(depth: number): Json {
    const positions = this.positions;
    const mark = positions.mark;
    // items wait on a stack, so the array is made at its size (one pushed to grows to 16 items)
    const items = this.items;
    const itemsMark = items.length;
    this.index++;
    this.blank();
    if (this.text[this.index] !== "]") {
      for (;;) {
        this.blank();
        positions.push(this.index);
        items.push(this.value(depth + 1));
        this.blank();
        const c = this.text[this.index++];
        if (c === "]") break;
        if (c !== ",") this.failBefore(`expected ',' or ']' in JSON array${jxHint(c)}`);
      }
    } else this.index++;
    const array = items.slice(itemsMark);
    items.length = itemsMark;
    (array as Positioned)[offsetsKey] = positions.close(mark);
    return array;
  }
}

/** Reads JSON text; throws `WorkflowError` at the first syntax error. */
export function readJson(text: string, file: string): JsonDocument {
  const reader = new Reader(text, file);
  const value = reader.value(0);
  reader.blank();
  if (reader.index < text.length) reader.fail("unexpected text after the JSON value");
  reader.finish();
  return {
    value,
    offsetOf: (container, key) => reader.offsetOf(container, key) ?? 0,
    locate: (offset) => reader.locate(offset),
  };
}

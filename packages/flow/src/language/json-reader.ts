/**
 * A small JSON reader that remembers where each value started, so that errors in a JSON
 * workflow name `file:line:column` like errors in Makeflow text. Iterative over strings,
 * recursive over nesting (bounded by `depthMax`).
 */
import type { SourceLocation } from "../workflow.ts";
import { formatLocation, WorkflowError } from "./errors.ts";

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
 * Where each item of an array starts (by index), or where each key of an object starts
 * (`[key, offset, key, offset, …]`, a map once looked up past `flatKeysMax` keys), kept on the
 * container under a symbol (which `Object.keys` and `JSON.stringify` do not see): a WeakMap of
 * 400 000 containers made garbage collection most of the reading time.
 */
const offsetsKey = Symbol("JSON offsets");
type Positioned = { [offsetsKey]?: number[] | Array<string | number> | Map<string, number> };

/** Past this many keys, an object's key offsets are looked up in a map. */
const flatKeysMax = 16;

/** The offset recorded for `key` in `[key, offset, …]`, or undefined. */
function flatOffset(offsets: Array<string | number>, key: string): number | undefined {
  for (let i = 0; i < offsets.length; i += 2) if (offsets[i] === key) return offsets[i + 1] as number;
  return undefined;
}

/**
 * What to add to a syntax error at `c` when it looks like JX (`"out." + N`, `for N in …`,
 * `format(…)`): upstream evaluates JX with `--jx`; this reader takes plain JSON only.
 */
function jxHint(c: string | undefined): string {
  return c !== undefined && /[A-Za-z_+\-*/%(]/.test(c) ? " (a JX expression? skein reads plain JSON: evaluate JX first with upstream's jx2json)" : "";
}

class Reader {
  index = 0;
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.lineStarts.push(i + 1);
    if (text.charCodeAt(0) === 0xfeff) {
      // a byte order mark, as some editors write: not part of the JSON, and not a column
      this.index = 1;
      this.lineStarts[0] = 1;
    }
  }

  locate(offset: number): SourceLocation {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { file: this.file, line: low + 1, column: Math.max(offset - this.lineStarts[low]!, 0) + 1 };
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
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
      index++;
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

  /** Where `key` of a container read by this reader started, or undefined. */
  offsetOf(container: object, key: string | number): number | undefined {
    const offsets = (container as Positioned)[offsetsKey];
    if (offsets === undefined) return undefined;
    if (Array.isArray(container)) return (offsets as number[])[key as number];
    if (offsets instanceof Map) return offsets.get(String(key));
    if (offsets.length > flatKeysMax * 2) {
      const map = new Map<string, number>();
      for (let i = offsets.length - 2; i >= 0; i -= 2) map.set(offsets[i] as string, offsets[i + 1] as number);
      (container as Positioned)[offsetsKey] = map;
      return map.get(String(key));
    }
    return flatOffset(offsets, String(key));
  }

  object(depth: number): Json {
    const object: { [key: string]: Json } = {};
    const offsets: Array<string | number> = [];
    (object as Positioned)[offsetsKey] = offsets;
    this.index++;
    this.blank();
    if (this.text[this.index] === "}") {
      this.index++;
      return object;
    }
    for (;;) {
      this.blank();
      if (this.text[this.index] !== '"') this.fail("expected a quoted key in JSON object");
      const keyOffset = this.index;
      const key = this.string();
      this.blank();
      if (this.text[this.index] !== ":") this.fail("expected ':' after JSON key");
      this.index++;
      this.blank();
      if (Object.hasOwn(object, key)) {
        this.index = keyOffset;
        this.fail(`duplicate key '${key}' in JSON object (first at ${formatLocation(this.locate(flatOffset(offsets, key) ?? 0))})`);
      }
      offsets.push(key, keyOffset);
      const value = this.value(depth + 1);
      // "__proto__" is a key like any other, as JSON.parse reads it, not the object's prototype
      if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
      this.blank();
      const c = this.text[this.index++];
      if (c === "}") return object;
      if (c !== ",") this.failBefore(`expected ',' or '}' in JSON object${jxHint(c)}`);
    }
  }

  array(depth: number): Json {
    const array: Json[] = [];
    const offsets: number[] = [];
    (array as Positioned)[offsetsKey] = offsets;
    this.index++;
    this.blank();
    if (this.text[this.index] === "]") {
      this.index++;
      return array;
    }
    for (;;) {
      this.blank();
      offsets.push(this.index);
      array.push(this.value(depth + 1));
      this.blank();
      const c = this.text[this.index++];
      if (c === "]") return array;
      if (c !== ",") this.failBefore(`expected ',' or ']' in JSON array${jxHint(c)}`);
    }
  }
}

/** Reads JSON text; throws `WorkflowError` at the first syntax error. */
export function readJson(text: string, file: string): JsonDocument {
  const reader = new Reader(text, file);
  const value = reader.value(0);
  reader.blank();
  if (reader.index < text.length) reader.fail("unexpected text after the JSON value");
  return {
    value,
    offsetOf: (container, key) => reader.offsetOf(container, key) ?? 0,
    locate: (offset) => reader.locate(offset),
  };
}

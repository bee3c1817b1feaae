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

/** Deepest nesting accepted; deeper input is an error rather than a stack overflow. */
export const jsonDepthMax = 512;

class Reader {
  index = 0;
  readonly offsets = new WeakMap<object, Map<string | number, number>>();
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
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
    while (/[ \t\r\n]/.test(this.text[this.index] ?? "")) this.index++;
  }

  value(depth: number): Json {
    if (depth > jsonDepthMax) this.fail(`JSON nested deeper than ${jsonDepthMax}`);
    this.blank();
    const c = this.text[this.index];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.index, this.index + 400));
    if (!literal) this.fail(c === undefined ? "unexpected end of JSON" : `unexpected '${c}' in JSON`);
    this.index += literal[0].length;
    return JSON.parse(literal[0]) as Json;
  }

  string(): string {
    const start = this.index;
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

  private record(container: object, key: string | number, offset: number): void {
    let map = this.offsets.get(container);
    if (!map) this.offsets.set(container, (map = new Map()));
    map.set(key, offset);
  }

  object(depth: number): Json {
    const object: { [key: string]: Json } = {};
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
      const first = this.offsets.get(object)?.get(key);
      if (first !== undefined) {
        this.index = keyOffset;
        this.fail(`duplicate key '${key}' in JSON object (first at ${formatLocation(this.locate(first))})`);
      }
      this.record(object, key, keyOffset);
      const value = this.value(depth + 1);
      // "__proto__" is a key like any other, as JSON.parse reads it, not the object's prototype
      if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
      this.blank();
      const c = this.text[this.index++];
      if (c === "}") return object;
      if (c !== ",") this.failBefore("expected ',' or '}' in JSON object");
    }
  }

  array(depth: number): Json {
    const array: Json[] = [];
    this.index++;
    this.blank();
    if (this.text[this.index] === "]") {
      this.index++;
      return array;
    }
    for (;;) {
      this.blank();
      this.record(array, array.length, this.index);
      array.push(this.value(depth + 1));
      this.blank();
      const c = this.text[this.index++];
      if (c === "]") return array;
      if (c !== ",") this.failBefore("expected ',' or ']' in JSON array");
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
    offsetOf: (container, key) => reader.offsets.get(container)?.get(key) ?? 0,
    locate: (offset) => reader.locate(offset),
  };
}

import { createHash, type Hash } from "node:crypto";
import type { TraceEvent } from "@skein/core";

/** Receives each trace line (JSON, no newline). */
export type TraceSink = (line: string) => void;

/**
 * Serialises trace events to JSON Lines and keeps a running SHA-256 of them, so two runs can
 * be compared by one hash. Field order is fixed by the code that builds the events, so the
 * same run gives the same bytes.
 */
export class TraceWriter {
  private readonly hash: Hash | undefined;
  lines = 0;

  constructor(
    private readonly sink: TraceSink | undefined,
    hashing: boolean,
  ) {
    this.hash = hashing ? createHash("sha256") : undefined;
  }

  write(event: TraceEvent): void {
    const line = JSON.stringify(event, replacer);
    this.lines++;
    this.hash?.update(line).update("\n");
    this.sink?.(line);
  }

  /** Hex digest of everything written so far (undefined when hashing is off). */
  digest(): string | undefined {
    return this.hash?.copy().digest("hex");
  }
}

/** Keeps traces valid JSON: bigints as strings, typed arrays as plain arrays, Maps as entries. */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString("base64") };
  if (value instanceof Map) return { map: [...value.entries()] };
  if (value instanceof Set) return { set: [...value.values()] };
  return value;
}

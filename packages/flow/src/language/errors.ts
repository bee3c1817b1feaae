import type { SourceLocation } from "../workflow.ts";

/**
 * A problem in a workflow that its author must fix: printed as `file:line:column: message`.
 * Parsing and planning throw it; the CLI prints it and exits non-zero.
 */
export class WorkflowError extends Error {
  override name = "WorkflowError";
  readonly location: SourceLocation;
  readonly problem: string;

  constructor(location: SourceLocation, problem: string) {
    super(`${formatLocation(location)}: ${problem}`);
    this.location = location;
    this.problem = problem;
  }
}

export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** Crashes loudly on a broken invariant (never for bad user input). */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

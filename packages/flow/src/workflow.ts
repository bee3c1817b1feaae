/**
 * The workflow model every front end (Makeflow text, JSON) produces and every back end consumes.
 * Paths are as written in the workflow, relative to the workflow's directory unless absolute.
 */

/** Where something was written: `file:line:column`, all 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A file a rule reads or writes; `remoteName` is its name in a remote sandbox (`local->remote`). */
export interface FileReference {
  readonly path: string;
  readonly remoteName: string;
  readonly location: SourceLocation;
}

/** What one task of a rule needs. Unspecified fields mean "no particular need". */
export interface Resources {
  cores?: number;
  memoryMb?: number;
  diskMb?: number;
  gpus?: number;
  wallTimeS?: number;
  mpiProcesses?: number;
}

/** A rule whose command is another workflow (`MAKEFLOW file [directory]`). */
export interface NestedWorkflow {
  readonly file: string;
  readonly directory: string | undefined;
}

export interface Rule {
  /** Index in `Workflow.rules`; stable for a given workflow text. */
  readonly id: number;
  readonly targets: FileReference[];
  readonly sources: FileReference[];
  /** The command, variables expanded, `LOCAL` removed; passed to `/bin/sh -c`. */
  readonly command: string;
  /** `LOCAL` rules always run on the machine of the master. */
  readonly local: boolean;
  readonly category: string;
  readonly resources: Resources;
  /** Exported variables, passed to the job's environment. */
  readonly environment: Readonly<Record<string, string>>;
  readonly nested: NestedWorkflow | undefined;
  readonly location: SourceLocation;
}

export interface Category {
  readonly name: string;
  /** Resources assigned in the workflow while this category was current. */
  readonly resources: Resources;
  /** Allocation mode from `.MAKEFLOW MODE` (fixed, max, min_waste, max_throughput). */
  mode: string | undefined;
}

export interface Workflow {
  readonly file: string;
  readonly rules: Rule[];
  readonly categories: ReadonlyMap<string, Category>;
  /** Size hints from `.MAKEFLOW SIZE file bytes`. */
  readonly sizeHints: ReadonlyMap<string, number>;
}

/** The resource variables a category (or a rule) can set, with the field each one fills. */
export const resourceVariables: ReadonlyMap<string, keyof Resources> = new Map([
  ["CORES", "cores"],
  ["MEMORY", "memoryMb"],
  ["DISK", "diskMb"],
  ["GPUS", "gpus"],
  ["WALL_TIME", "wallTimeS"],
  ["MPI_PROCESSES", "mpiProcesses"],
]);

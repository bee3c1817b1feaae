/**
 * The workflow model every front end (Makeflow text, JSON) produces and every back end consumes.
 * Paths are normalized; parsed with the workflow's directory, each file has one name (see
 * language/canonical-path.ts): relative to that directory when inside it, absolute when not.
 */

/** Where something was written: `file:line:column`, all 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A file a rule reads or writes; `remoteName` is its name in a remote sandbox (`local->remote`). */
export interface FileReference {
  /** The file's name in the DAG: the same file always has the same `path`. */
  readonly path: string;
  /** Its name in a job's sandbox: as written (normalized), unless renamed with `local->remote`. */
  readonly remoteName: string;
  readonly location: SourceLocation;
  /** The path as written (normalized), when it is not `path` (`/w/x` or `../w/x` for `x`). */
  readonly written?: string;
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
  /** The workflow file: the `path` of the rule's source naming it. */
  readonly file: string;
  /** As written (normalized), relative to the workflow's directory. */
  readonly directory: string | undefined;
  /** The file as written (normalized), when it is not `file` (see `FileReference.written`). */
  readonly written?: string;
  /**
   * Which of the variables every job gets (`defaultJobVariables`: CATEGORY, CORES, …) the
   * workflow exported itself (`export CORES`; JSON: an "environment" naming it) at this rule:
   * the nested run gets these from the rule's environment; the others describe the `MAKEFLOW`
   * rule's own reservation, not its nested rules' (run/nested-environment.ts).
   */
  readonly exportedDefaults?: readonly string[];
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
  /** The absolute directory its paths were named against, when the parser was given one. */
  readonly directory?: string;
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

/**
 * The mutable state a script runs in. Variables and the exported environment are shared by the
 * whole script (as in ftsh, where variables live in the shell, not in functions); positional
 * arguments belong to a frame (the script's, or a function call's). A `forall` branch works on
 * a copy, as the original's forked branches did, so parallel branches never race on a variable.
 */

/** Positional arguments (`$0` is the script or function name) and a function's return value. */
export interface Frame {
  args: string[];
  returnValue: string | undefined;
}

export class ShellState {
  constructor(
    /** Shell variables, holding raw text (command output keeps its final newline here). */
    readonly variables: Map<string, string>,
    /** The environment given to programs; `export NAME` copies a variable into it. */
    readonly environment: Map<string, string>,
    /** The working directory (`cd` changes it for the commands that follow). */
    public cwd: string,
  ) {}

  clone(): ShellState {
    return new ShellState(new Map(this.variables), new Map(this.environment), this.cwd);
  }

  /** A variable's value as `$name` gives it: the shell variable, else the environment, else "". */
  value(name: string): string {
    const raw = this.variables.get(name) ?? this.environment.get(name) ?? "";
    return raw.replace(/[\r\n]+$/, "");
  }
}

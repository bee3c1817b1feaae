/** A `skein` subcommand. Commands are wiring only: they parse flags and call packages. */
export interface Command {
  /** The word after `skein`. */
  readonly name: string;
  /** One line for `skein --help`. */
  readonly summary: string;
  /** Full usage text for `skein <name> --help`. */
  readonly usage: string;
  /** When true, only `skein <name> --help` (the flag first) shows the usage; later `--help`s
   * belong to the command (e.g. arguments passed on to a script). */
  readonly helpFlagFirstOnly?: boolean;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** A usage error: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * A command as `skein --help` lists it; its module loads only when it runs, so that
 * `skein run --node` (one process per node) does not load the simulator, flow or ftsh.
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

/**
 * @skein/cli — the `skein` command. Wiring only: each subcommand parses its flags and calls
 * the packages that do the work.
 */
export { main } from "./main.ts";
export type { Command, CommandEntry } from "./command.ts";
export { UsageError } from "./command.ts";

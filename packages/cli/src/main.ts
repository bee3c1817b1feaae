import { commands } from "./commands/index.ts";
import { runSkein } from "./dispatch.ts";

/** Entry point of the `skein` command (every command, from source); returns the exit code. */
export function main(argv: string[]): Promise<number> {
  return runSkein(argv, commands);
}

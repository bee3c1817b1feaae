import type { Command } from "../command.ts";
import { ftshCommand } from "./ftsh.ts";

/** Every `skein` subcommand, in the order `skein --help` lists them. One line each. */
export const commands: Command[] = [ftshCommand];

import type { Command } from "../command.ts";
import { flowCommand } from "./flow.ts";
import { ftshCommand } from "./ftsh.ts";
import { simCommand } from "./sim.ts";
import { workerCommand } from "./worker.ts";

/** Every `skein` subcommand, in the order `skein --help` lists them. One line each. */
export const commands: Command[] = [simCommand, flowCommand, workerCommand, ftshCommand];

import type { Command } from "../command.ts";
import { flowCommand } from "./flow.ts";
import { ftshCommand } from "./ftsh.ts";
import { maelstromCommand } from "./maelstrom.ts";
import { replayCommand } from "./replay.ts";
import { runCommand } from "./run.ts";
import { simCommand } from "./sim.ts";
import { workerCommand } from "./worker.ts";

/** Every `skein` subcommand, in the order `skein --help` lists them. One line each. */
export const commands: Command[] = [simCommand, runCommand, replayCommand, maelstromCommand, flowCommand, workerCommand, ftshCommand];

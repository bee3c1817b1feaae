import { type CommandEntry, UsageError } from "./command.ts";

function help(available: readonly CommandEntry[]): string {
  const width = Math.max(...available.map((c) => c.name.length), 4);
  const lines = available.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return ["usage: skein <command> [options]", "", "commands:", ...lines, "", "skein <command> --help for details"].join("\n");
}

/**
 * A usage error as GNU tools say it: one line naming the problem, then where the whole usage
 * is (`--help`), rather than the usage itself burying the problem. node:util's parseArgs adds a
 * hint about `--` to an unknown option, which is cut: the option named is the problem.
 */
function usageError(program: string, message: string): string {
  const problem = message.replace(/\. To specify a positional argument starting with a .-.*$/s, "");
  return `${program}: ${problem}\nTry '${program} --help' for more information.`;
}

/** Runs `skein <argv>` with the given commands; returns the exit code. */
export async function runSkein(argv: string[], available: readonly CommandEntry[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    console.log(help(available));
    return 0;
  }
  if (name === undefined) {
    console.error(usageError("skein", "no command given"));
    return 2;
  }
  const entry = available.find((c) => c.name === name);
  if (!entry) {
    console.error(usageError("skein", `unknown command '${name}'`));
    return 2;
  }
  const command = await entry.load();
  const helpArgs = command.helpFlagFirstOnly ? rest.slice(0, 1) : rest;
  if (helpArgs.includes("--help") || helpArgs.includes("-h")) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    // node:util parseArgs reports an unknown option or a missing value with ERR_PARSE_ARGS_*
    const badArguments = (error as { code?: unknown }).code?.toString().startsWith("ERR_PARSE_ARGS_") === true;
    if (error instanceof UsageError || badArguments) {
      console.error(usageError(`skein ${name}`, (error as Error).message));
      return 2;
    }
    throw error;
  }
}

import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { MaelstromNode, type MaelstromService } from "@skein/net";
import { type Command, UsageError } from "../command.ts";

const usage = `usage: skein maelstrom <service.ts>

Runs a service as a Maelstrom node: JSON messages on stdin and stdout, diagnostics on stderr.
The file's default export is a function ({ nodeId, nodeIds }) => ServiceFactory, called when
Maelstrom's init message arrives. Example:

  maelstrom test -w echo --bin ./echo.sh   # echo.sh: exec npx skein maelstrom examples/maelstrom/echo.ts`;

export const maelstromCommand: Command = {
  name: "maelstrom",
  summary: "run a service as a Maelstrom node (JSON over stdin/stdout)",
  usage,
  async run(argv) {
    if (argv.length !== 1) throw new UsageError("expected one service file");
    const path = resolve(argv[0]!);
    if (!existsSync(path)) throw new UsageError(`service file not found: ${argv[0]}`);
    const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
    if (typeof module.default !== "function") throw new UsageError(`${argv[0]}: the default export must be a function ({ nodeId, nodeIds }) => ServiceFactory`);
    await new MaelstromNode({ service: module.default as MaelstromService }).run();
    return 0;
  },
};

import assert from "node:assert/strict";
import { test } from "node:test";
import { commands } from "../src/commands/index.ts";

test("every command entry loads the command it names, with the same summary", async () => {
  assert.deepEqual(
    commands.map((c) => c.name),
    ["sim", "run", "replay", "maelstrom", "flow", "worker", "ftsh"],
  );
  for (const entry of commands) {
    const command = await entry.load();
    assert.equal(command.name, entry.name);
    assert.equal(command.summary, entry.summary, `${entry.name}: the summary in commands/ differs from the command's`);
    assert.match(command.usage, new RegExp(`skein ${entry.name}\\b`));
  }
});

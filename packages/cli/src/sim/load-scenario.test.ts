import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { UsageError } from "../command.ts";
import { loadScenario } from "./load-scenario.ts";

const dir = mkdtempSync(join(tmpdir(), "skein-scenario-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("load scenario: a directory, another kind of file, a syntax error and a wrong export are usage errors naming the problem", async () => {
  await assert.rejects(loadScenario(dir), new UsageError(`${dir}: is a directory, not a scenario file`));
  writeFileSync(join(dir, "notes.txt"), "hi\n");
  await assert.rejects(loadScenario(join(dir, "notes.txt")), /notes\.txt: a scenario is a TypeScript or JavaScript module/);
  writeFileSync(join(dir, "broken.mts"), "export default {\n");
  await assert.rejects(loadScenario(join(dir, "broken.mts")), (error: Error) => error instanceof UsageError && /^cannot load scenario .*broken\.mts: .*:2:0: ERROR: /.test(error.message));
  writeFileSync(join(dir, "object.mts"), 'export default { name: "x" };\n');
  await assert.rejects(loadScenario(join(dir, "object.mts")), /object\.mts: the default export must be a scenario/);
});

test("load scenario: an error the scenario's own code throws while loading keeps its stack", async () => {
  writeFileSync(join(dir, "throws.mts"), 'throw new RangeError("the scenario is broken");\n');
  await assert.rejects(loadScenario(join(dir, "throws.mts")), (error: Error) => error instanceof RangeError && !(error instanceof UsageError));
});

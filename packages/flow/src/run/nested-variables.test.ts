// A nested workflow's $(Y) of a variable the enclosing workflow sets but does not export: the
// failure says where the enclosing workflow sets it and that `export Y` hands it on, not to
// write the shell's `$${Y}` (which, followed, ran the command with an empty value).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runIn, workspaces } from "../../test/flow-run.ts";

const workspace = workspaces("skein-flow-nested-variables-");

test("nested variables: a variable the enclosing workflow sets but does not export is said to be set there, unexported, with 'export Y' as the fix; exported, it runs", async () => {
  const root = workspace({ "w.mf": "Y=1\nd/o: d/sub.mf\n\tMAKEFLOW sub.mf d\n" });
  mkdirSync(join(root, "d"));
  writeFileSync(join(root, "d", "sub.mf"), "o:\n\techo $(Y) > o\n");
  const file = join(root, "w.mf");
  const result = await runIn(root);
  assert.equal(result.code, 1);
  const said = `${root}/d/sub.mf:2:7: variable 'Y' is not set: ${file} sets it (${file}:1:1) but does not export it, and a nested workflow sees only the variables its MAKEFLOW rule exports; write 'export Y' there (or 'export Y=…' on that line)`;
  assert.ok(result.err.includes(`skein flow: d/o: failed: nested workflow ${root}/d/sub.mf failed: ${said}\n`), result.err);
  assert.doesNotMatch(result.err, /\$\$\{Y\}|neither by the workflow/);
  writeFileSync(file, "Y=1\nexport Y\nd/o: d/sub.mf\n\tMAKEFLOW sub.mf d\n");
  const again = await runIn(root);
  assert.equal(again.code, 0, again.err);
  assert.equal(readFileSync(join(root, "d", "o"), "utf8"), "1\n");
});

test("nested variables: a rule-local value of the MAKEFLOW rule names its line and asks for 'export Y' before the rule; a variable set nowhere keeps the language's words", async () => {
  const local = workspace({ "w.mf": "out: sub.mf\nY=2\n\tMAKEFLOW sub.mf\n", "sub.mf": "out:\n\techo $(Y) > out\n" });
  const file = join(local, "w.mf");
  const result = await runIn(local);
  assert.equal(result.code, 1);
  assert.ok(result.err.includes(`variable 'Y' is not set: ${file} sets it (${file}:2:1) but does not export it, and a nested workflow sees only the variables its MAKEFLOW rule exports; write 'export Y' before the MAKEFLOW rule (${file}:1:1); its rule-local value is then handed on\n`), result.err);
  // set after the rule, or nowhere: not this workflow's to hand on
  const later = workspace({ "w.mf": "out: sub.mf\n\tMAKEFLOW sub.mf\nY=1\n", "sub.mf": "out:\n\techo $(Y) > out\n" });
  const unset = await runIn(later);
  assert.equal(unset.code, 1);
  assert.match(unset.err, /variable 'Y' is not set \(neither by the workflow before this line nor in the environment\); for the shell's variable write '\$\$\{Y\}'/);
});

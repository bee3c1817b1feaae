// Edge cases a demanding user meets, each read as upstream reads it or refused at
// file:line:column with the real problem named.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "./parse-makeflow.ts";
import { parseWorkflow } from "./parse-workflow.ts";

const parse = (text: string) => parseMakeflow(text, { file: "w.mf", environment: {} });

test("edge: a command that expands to nothing is 'the command is empty', not 'LOCAL needs a command'", () => {
  assert.throws(() => parse("E=\nout:\n\t$(E)\n"), /^WorkflowError: w\.mf:3:2: the command is empty: `\$\(E\)` expands to nothing$/);
  assert.throws(() => parse("out:\n\tLOCAL\n"), /^WorkflowError: w\.mf:2:2: LOCAL needs a command after it$/);
  assert.throws(() => parse("M=LOCAL\nout:\n\t$(M)\n"), /^WorkflowError: w\.mf:3:2: LOCAL needs a command after it$/);
});

test("edge: a byte that is not UTF-8 outside a comment is an error at it, not a file reported missing under another name", () => {
  // the file is read as UTF-8: 'in\xff' arrived as 'in\ufffd', and the rule said "source 'in�' does not exist"
  const latin1 = (text: string) => Buffer.from(text, "latin1").toString("utf8");
  assert.throws(() => parse(latin1("out: in\xff\n\tcat in\xff > out\n")), /^WorkflowError: w\.mf:1:8: a byte that is not UTF-8 \(read as U\+FFFD\): skein reads workflow files as UTF-8; convert the file/);
  assert.throws(() => parse(latin1("out:\n\techo 'caf\xe9\n\t' > out\n")), /^WorkflowError: w\.mf:2:11: a byte that is not UTF-8/);
  assert.throws(() => parse(latin1("out:\n\techo 'a\n\tcaf\xe9' > out\n")), /^WorkflowError: w\.mf:3:5: a byte that is not UTF-8/);
  assert.throws(() => parse(latin1("X=caf\xe9 # ok\n")), /^WorkflowError: w\.mf:1:6: a byte that is not UTF-8/);
  // comments may hold any byte, as upstream drops them unread
  assert.equal(parse(latin1("# caf\xe9\nout: # caf\xe9\n\techo ok > out # caf\xe9\n")).rules[0]!.command, "echo ok > out");
});

test("edge: in the JSON form too, a byte that is not UTF-8 is an error at it", () => {
  const text = Buffer.from('{"rules": [{"command": "cat in\xff > out", "inputs": ["in\xff"], "outputs": ["out"]}]}', "latin1").toString("utf8");
  assert.throws(() => parseWorkflow(text, { file: "w.json", environment: {} }), /^WorkflowError: w\.json:1:31: a byte that is not UTF-8 \(read as U\+FFFD\)/);
  // written as an escape it is a character like any other
  assert.equal(parseWorkflow('{"rules": [{"command": "echo \\ufffd > out", "outputs": ["out"]}]}', { file: "w.json" }).rules[0]!.command, "echo \ufffd > out");
});

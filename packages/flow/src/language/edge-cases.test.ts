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

test("edge: a space-indented NAME=value before an indented command is the rule's own variable, as upstream reads it (its manual's example)", () => {
  // upstream's manual writes 'target_2: source_2' / '    SOME_VARIABLE=local_value_for_2' / '    command_2': "a rule has exactly one command"
  const manual = "SOME_VARIABLE=original_value\ntarget_1:\n    echo $(SOME_VARIABLE) > target_1\n    \ntarget_2:\n    SOME_VARIABLE=local_value_for_2\n    echo $(SOME_VARIABLE) > target_2\ntarget_3:\n    echo $(SOME_VARIABLE) > target_3\n";
  assert.deepEqual(parse(manual).rules.map((r) => r.command), ["echo original_value > target_1", "echo local_value_for_2 > target_2", "echo original_value > target_3"]);
  // blank lines, comments, '@' and unindented assignments and directives may follow it; CORES is the rule's
  const { rules } = parse("b:\n    X=1\n\n    # c\n    Y+=2\n.MAKEFLOW CORES 2\n    echo $X $Y $(CORES) > b\n");
  assert.deepEqual([rules[0]!.command, rules[0]!.resources], ["echo 1 2 2 > b", { cores: 2 }]);
  // alone, it is the command (at the end of the file too); a tab-indented one is always the command, as upstream
  assert.deepEqual(parse("a:\n    CFLAGS=-O2 make > a\nb:\n\tLC_ALL=C sort in > b\nc:\n    X=3").rules.map((r) => r.command), ["CFLAGS=-O2 make > a", "LC_ALL=C sort in > b", "X=3"]);
});

test("edge: a tab-indented NAME=value followed by a command says how to write a rule-local assignment", () => {
  assert.throws(() => parse("t:\n\tX=1\n\techo $X > t\n"), /^WorkflowError: w\.mf:3:2: a rule has exactly one command; join commands with ';' or '&&' \(the command before is 'X=1': write a rule-local assignment as '@X=1', or unindented\)$/);
  assert.throws(() => parse("t:\n\techo a > t\n\techo b >> t\n"), /^WorkflowError: w\.mf:3:2: a rule has exactly one command; join commands with ';' or '&&'$/);
});

test("edge: JSON keys named like Object's own members are read as keys, not its prototype", () => {
  const json = (rule: object) => parseWorkflow(JSON.stringify({ rules: [{ command: "c", outputs: ["o"], ...rule }] }), { file: "w.json", environment: {} });
  // resources {"toString": 1} was accepted, under a field named after the function's text
  assert.throws(() => json({ resources: { toString: 1 } }), /^WorkflowError: w\.json:1:\d+: unknown resource 'toString' \(cores, memory/);
  // the hint for older keys named 'function hasOwnProperty() { [native code] }'
  assert.throws(() => json({ hasOwnProperty: 1 }), /^WorkflowError: w\.json:1:\d+: unknown key 'hasOwnProperty' in a rule$/);
  const proto = parseWorkflow('{"rules": [{"command": "c", "outputs": ["o"], "environment": {"__proto__": "1"}}]}', { file: "w.json", environment: {} });
  assert.equal(Object.getOwnPropertyDescriptor(proto.rules[0]!.environment, "__proto__")?.value, "1");
});

test("edge: the first JX workflows' keys are named with today's: a file's 'name' and 'source', the workflow's 'variables'", () => {
  const json = (text: string) => parseWorkflow(text, { file: "w.json", environment: {} });
  assert.throws(() => json('{"rules": [{"command": "c", "outputs": [{"name": "o", "source": "r"}]}]}'), /unknown key 'name' in outputs\[0\] \(dag_name, task_name; 'name' is older Makeflow's, now 'dag_name'\)$/);
  assert.throws(() => json('{"rules": [{"command": "c", "outputs": [{"dag_name": "o", "source": "r"}]}]}'), /unknown key 'source' in outputs\[0\] \(dag_name, task_name; 'source' is older Makeflow's, now 'task_name'\)$/);
  assert.throws(() => json('{"variables": {"N": 1}, "rules": []}'), /^WorkflowError: w\.json:1:2: unknown key 'variables' in a workflow \('variables' is older Makeflow's names for JX expressions, now 'define'/);
});

test("edge: an indented rule line or assignment after a command says to unindent it", () => {
  // upstream reads a space-indented 'b: a' as a rule, but also a second command 'scp host:f .' as one: refused, with the fix named
  assert.throws(() => parse("a:\n\ttouch a\n  b: a\n\ttouch b\n"), /^WorkflowError: w\.mf:3:3: a rule has exactly one command; join commands with ';' or '&&' \(a rule line or an assignment starts at the beginning of its line, not indented\)$/);
  assert.throws(() => parse("a:\n    touch a\n  X=1\n"), /^WorkflowError: w\.mf:3:3: a rule has exactly one command; .*\(a rule line or an assignment starts at the beginning of its line, not indented\)$/);
});

// Upstream Makeflow features: each is read as upstream reads it, or refused at file:line:column
// naming the feature — never mis-read (a '.UMBRELLA' line was "unknown directive", a wrapper
// "a nested workflow reads …", 'WORKFLOW f' a command that fails when it runs).
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "./parse-makeflow.ts";

const parse = (text: string) => parseMakeflow(text, { file: "w.mf", environment: {} });

test("upstream: SYMBOL names the category, as upstream reads it (globally and in a rule)", () => {
  const { rules } = parse("SYMBOL=sim\nCORES=2\na:\n\tcmd\nb:\n@SYMBOL=other\n\tcmd\nCATEGORY=c\nd:\n\tcmd\n");
  assert.deepEqual(rules.map((r) => [r.category, r.resources]), [["sim", { cores: 2 }], ["other", {}], ["c", {}]]);
});

test("upstream error: .UMBRELLA is refused naming it, alone or after .MAKEFLOW CATEGORY as the manual writes it", () => {
  assert.throws(() => parse(".UMBRELLA SPEC convert_S.umbrella\n"), /^WorkflowError: w\.mf:1:1: '\.UMBRELLA' \(an Umbrella specification of the execution environment\) is not supported/);
  assert.throws(() => parse(".MAKEFLOW CATEGORY 1 .UMBRELLA SPEC convert_S.umbrella\n"), /^WorkflowError: w\.mf:1:22: '\.UMBRELLA' \(an Umbrella/);
  assert.throws(() => parse("a:\n\t.UMBRELA SPEC s\n\tcmd\n"), /^WorkflowError: w\.mf:2:2: '\.UMBRELA' \(an Umbrella/);
});

test("upstream error: a wrapper as the third MAKEFLOW argument is refused at its word", () => {
  assert.throws(() => parse("a:\n\tMAKEFLOW sub.mf d strace\n"), /^WorkflowError: w\.mf:2:20: a wrapper after 'MAKEFLOW file directory' \(older Makeflow ran 'cd directory && wrapper makeflow file'\) is not supported/);
  assert.throws(() => parse("W=time -p\na:\n\tMAKEFLOW sub.mf d $(W)\n"), /^WorkflowError: w\.mf:3:20: a wrapper after/);
});

test("upstream error: WORKFLOW is not a keyword (it ran as a program named WORKFLOW)", () => {
  assert.throws(() => parse("a:\n\tWORKFLOW sub.mf\n"), /^WorkflowError: w\.mf:2:2: 'WORKFLOW' is not a Makeflow keyword: a nested workflow reads 'MAKEFLOW file \[directory\]'$/);
  assert.throws(() => parse("a:\n\tLOCAL WORKFLOW sub.mf\n"), /'WORKFLOW' is not a Makeflow keyword/);
  assert.equal(parse("a:\n\techo WORKFLOW > a\n").rules[0]!.command, "echo WORKFLOW > a");
});

test("upstream: a quoted string in a command may span lines, newlines and indentation kept, as upstream's lexer reads it", () => {
  // it was "unterminated quote"
  const text = 'out: in\n\tawk \'{\n\t  print $$1 # not a comment\n\n\t}\' in > out # a comment\nnext: out\n\tpython3 -c "\nimport sys\nprint(\\"$(X)\\")\n" > next\n';
  const { rules } = parseMakeflow(`X=hello\n${text}`, { file: "w.mf", environment: {} });
  assert.equal(rules[0]!.command, "awk '{\n\t  print $1 # not a comment\n\n\t}' in > out");
  assert.equal(rules[1]!.command, 'python3 -c "\nimport sys\nprint(\\"hello\\")\n" > next');
  assert.deepEqual(rules.map((r) => r.location.line), [2, 7]);
});

test("upstream error: a quote left open stops at a line that reads as a rule, or at the end, at the opening quote", () => {
  assert.throws(() => parse("a:\n\techo don't\nb:\n\techo it's > b\n"), /^WorkflowError: w\.mf:2:10: unterminated quote ' in the command \(it reaches line 3, 'b:', which reads as a rule: close the quote before the next rule\)$/);
  assert.throws(() => parse('a:\n\techo "one\n\ttwo\n'), /^WorkflowError: w\.mf:2:7: unterminated quote " in the command \(it runs to the end of the file\)$/);
  // an error later in the string is located on its own line
  assert.throws(() => parse('a:\n\techo "one\n\t$(date +%s)"\n'), /^WorkflowError: w\.mf:3:2: `\$\(date …`/);
});

test("upstream: a quote in a shell comment of a command opens nothing", () => {
  const { rules } = parse("a:\n\techo hi # it's fine\nb:\n\techo b\n");
  assert.deepEqual(rules.map((r) => r.command), ["echo hi", "echo b"]);
});

test("upstream: a double-quoted value may span lines, global, exported or rule-local, newlines and indentation kept", () => {
  // it was "unterminated quote \""
  const text = 'X="one\n  two" # a comment\nexport ARGS="-a\n-b"\nout:\n\t@V="x\ny # in the value\n"\n\techo $(X) $(V) > out\nnext: out\n\tcmd\n';
  const { rules } = parse(text);
  assert.equal(rules[0]!.command, 'echo "one\n  two" "x\ny # in the value\n" > out');
  assert.equal(rules[0]!.environment.ARGS, "-a\n-b");
  assert.deepEqual(rules.map((r) => r.location.line), [5, 10]);
});

test("upstream error: a double quote left open in a value stops at a line that reads as a rule, or at the end; a single quote at once", () => {
  assert.throws(() => parse('X="abc\nY=1\nb:\n\tcmd\n'), /^WorkflowError: w\.mf:1:3: unterminated quote " in the value of X \(it reaches line 3, 'b:', which reads as a rule: close the quote before the next rule\)$/);
  assert.throws(() => parse('a:\n\t@V="abc\n\tcmd\n'), /^WorkflowError: w\.mf:2:5: unterminated quote " in the value of V \(it runs to the end of the file\)$/);
  assert.throws(() => parse("X='abc\nY=1\n"), /^WorkflowError: w\.mf:1:3: unterminated quote '$/);
});

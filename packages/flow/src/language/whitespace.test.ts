import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "./parse-makeflow.ts";

const parse = (text: string) => parseMakeflow(text, { file: "w.mf", environment: {} });

test("whitespace: a leading byte order mark is skipped and is not a column", () => {
  assert.equal(parse("\uFEFFa:\n\tcmd\n").rules[0]!.command, "cmd");
  assert.throws(() => parse("\uFEFFa: b\n"), /^WorkflowError: w\.mf:1:1: rule for 'a' has no command/);
  assert.throws(() => parse("\uFEFFX=$(\n"), /^WorkflowError: w\.mf:1:3: unterminated variable reference/);
});

test("whitespace: CRLF line ends, and a CRLF after a continuing backslash", () => {
  const { rules } = parse("a: b \\\r\n c\r\n\techo hi\r\n");
  assert.deepEqual(rules[0]!.sources.map((s) => s.path), ["b", "c"]);
  assert.equal(rules[0]!.command, "echo hi");
});

test("whitespace error: a command indented with no-break spaces (pasted from a web page) says so", () => {
  // it said "rule for 'a' has no command", pointing at the rule line
  assert.throws(() => parse("a:\n\u00A0\u00A0echo hi > a\n"), /^WorkflowError: w\.mf:2:1: the line is indented with U\+00A0 \(a no-break space\), not a tab or a space$/);
  assert.throws(() => parse("a:\n\t\u3000echo\n"), /^WorkflowError: w\.mf:2:2: the line is indented with U\+3000, not a tab or a space$/);
});

test("whitespace error: a carriage return inside a line (old Mac line ends) is refused where it is", () => {
  // 'a:\r\tcmd\r' was one line: a rule with sources '\r' and 'cmd', and no command
  assert.throws(() => parse("a:\r\tcmd\r"), /^WorkflowError: w\.mf:1:3: a carriage return \(CR\) inside a line: save the file with LF or CRLF line ends$/);
  assert.throws(() => parse("a:\n\techo a\rb\n"), /^WorkflowError: w\.mf:2:8: a carriage return/);
});

test("whitespace error: an indented line that follows no rule is called a command without a rule", () => {
  // it said "expected a rule 'targets: sources', an assignment …"
  assert.throws(() => parse("A=1\n\tcp a b\n"), /^WorkflowError: w\.mf:2:2: a command \(an indented line\) with no rule 'targets: sources' before it$/);
  assert.equal(parse("  A=1\n  a: b\n\techo $(A)\n").rules[0]!.command, "echo 1");
});

test("comments: a shell comment after a command ends it; its quotes and dollars are not read", () => {
  // "echo hi # don't" was 'unterminated quote', and "# costs $5" would be a `$5` error
  const { rules } = parse("a:\n\techo hi # don't, it costs $5\nb:\n\techo \"a #b\" a#b $# \\#c '#d' # real\n");
  assert.deepEqual(rules.map((r) => r.command), ["echo hi", "echo \"a #b\" a#b $# \\#c '#d'"]);
});

test("rule line: a second ':' ending a word is an error at it; colons inside words and quoted ones are names", () => {
  // 'a: b: c' made a source named 'b:' (make reads a static pattern rule, upstream another separator)
  assert.throws(() => parse("a: b: c\n\tcmd\n"), /^WorkflowError: w\.mf:1:5: a second ':' in a rule line/);
  assert.throws(() => parse("a: b :\n\tcmd\n"), /^WorkflowError: w\.mf:1:6: a second ':' in a rule line/);
  assert.throws(() => parse("a:: b\n\tcmd\n"), /^WorkflowError: w\.mf:1:3: a second ':' in a rule line/);
  const { rules } = parse('a: http://x C:y "b:" c\\: # c: d\n\tcmd\n');
  assert.deepEqual(rules[0]!.sources.map((s) => s.path), ["http:/x", "C:y", "b:", "c:"]);
});

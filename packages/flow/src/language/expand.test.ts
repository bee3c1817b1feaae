import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "./parse-makeflow.ts";
import { type ErrorCase, testErrors } from "../../test/workflow-errors.ts";

const parse = (text: string, environment: Record<string, string> = {}) => parseMakeflow(text, { file: "w.mf", environment });

test("expand: the shell's $? passes through; $$@, '$@' and \\$@ reach the shell", () => {
  assert.equal(parse("a:\n\tcmd; echo $? $$@ '$@' \\$@\n").rules[0]!.command, "cmd; echo $? $@ '$@' $@");
});

test("expand: $1 in single quotes, $$1 and \\$1 reach the shell; names may hold digits after the first character", () => {
  const { rules } = parse("A_1=x\na:\n\techo '$1' $$1 \\$1 $A_1 $(A_1)\n");
  assert.equal(rules[0]!.command, "echo '$1' $1 $1 x x");
});

const errors: ErrorCase[] = [
  ["$1 in a command", "a:\n\techo $1 > a\n", /^w\.mf:2:7: `\$1`: not a variable name \(names start with a letter or '_'\); write `\$\$1` for the shell, or put it in single quotes$/],
  ["awk's $2 inside double quotes", 'a:\n\tawk "{print $2}" in > a\n', /^w\.mf:2:14: `\$2`: not a variable name/],
  ["$0 in a value", "X=$0\n", /^w\.mf:1:3: `\$0`: not a variable name/],
  ["$(1)", "a: $(1)\n\tcmd\n", /^w\.mf:1:4: `\$\(1\)`: not a variable name/],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
  ["${10}", "a:\n\techo ${10}\n", /^w\.mf:2:7: `\$\{10\}`: not a variable name/],
  ["make's $@ and $<", "a: b\n\tcp $< $@\n", /^w\.mf:2:5: `\$<` is make's automatic variable; Makeflow has none: write the file names \(or `\$\$<` for the shell\)$/],
  ["make's $^", "a: b c\n\tcat $^ > a\n", /^w\.mf:2:6: `\$\^` is make's automatic variable/],
];
testErrors("expand", parse, errors);

test("expand: an even number of backslashes before $ are escaped backslashes, not an escaped dollar", () => {
  // '\\$X' gave the shell '\$X' (a literal "$X"), not a backslash and X's value, as make and sh read it
  const { rules } = parse("X=v\na\\\\$X: b\n\techo \\$X \\\\$X \\\\\\$X $X\n");
  assert.equal(rules[0]!.command, "echo $X \\\\v \\\\$X v");
  assert.equal(rules[0]!.targets[0]!.path, "a\\v");
});

test("expand error: a variable doubling itself stops at a limit with its line, not a RangeError", () => {
  const text = `X=ab\n${"X=$(X)$(X)\n".repeat(40)}a:\n\techo $(X)\n`;
  assert.throws(() => parseMakeflow(text, { file: "w.mf", environment: {} }), /^WorkflowError: w\.mf:27:7: expanding `\$\(X\)` makes a text longer than 64 Mi characters \(does a variable double itself\?\)$/);
  const appended = `X=ab\n${"X+=$(X)\n".repeat(40)}`;
  assert.throws(() => parseMakeflow(appended, { file: "w.mf", environment: {} }), /^WorkflowError: w\.mf:\d+:4: expanding `\$\(X\)` makes a text longer/);
});

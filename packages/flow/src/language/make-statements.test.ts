// make's own statements and an open quote in a rule's targets get an error naming them; both
// were the vague "expected a rule 'targets: sources', …".
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "./parse-makeflow.ts";

function parseError(text: string): string {
  try {
    parseMakeflow(text, { file: "M", environment: {} });
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail("parsed without an error");
}

test("parser: make's include, conditionals and define are named as make's, at their place", () => {
  for (const keyword of ["include", "-include", "sinclude"]) {
    assert.equal(parseError(`A=1\n${keyword} other.mk\n`), `M:2:1: make's '${keyword}' is not part of the Makeflow language: write the rules into this file, or run the other file as a nested workflow ('MAKEFLOW file')`);
  }
  for (const line of ["ifeq ($(A),1)", "ifneq (a,b)", "ifdef A", "ifndef A", "else", "endif"]) {
    assert.match(parseError(`  ${line}\n`), new RegExp(`^M:1:3: make's '${line.split(" ")[0]}' is not part of the Makeflow language: Makeflow has no conditionals`));
  }
  assert.match(parseError("define X\nfoo\nendef\n"), /^M:1:1: make's 'define' is not part of the Makeflow language: write NAME=value/);
  assert.match(parseError("endef\n"), /^M:1:1: make's 'endef'/);
  assert.match(parseError(".PHONY: all\n"), /^M:1:1: unknown directive '\.PHONY:'/);
});

test("parser: a file, a target or a variable named like a make keyword is still one", () => {
  const workflow = parseMakeflow("include=1\ninclude: else\n\ttrue\nelse:\n\ttrue\n", { file: "M", environment: {} });
  assert.deepEqual(workflow.rules.map((r) => r.targets[0]!.path), ["include", "else"]);
});

test("parser: an unterminated quote in a rule's targets is named", () => {
  assert.equal(parseError('"x y: z\n\techo > x\n'), 'M:1:1: unterminated quote "');
  assert.equal(parseError("a 'x y: z\n\techo > x\n"), "M:1:3: unterminated quote '");
  // a quote with no ':' after it is not the problem: there is no rule at all
  assert.match(parseError("foo # it's\n"), /^M:1:1: expected a rule 'targets: sources'/);
});

test("parser (upstream TR_makeflow_023_wildcard, TR_makeflow_024_pattern): make's $(wildcard …) and $(patsubst …) are named as make's functions, not sent to the shell", () => {
  assert.equal(parseError("SOURCES = $(wildcard *.mf)\nlist: $(SOURCES)\n\techo $(SOURCES) > list\n"), "M:1:11: `$(wildcard …)` is make's wildcard function; Makeflow has no functions: write the file names (or `$$(` for the shell's command substitution)");
  assert.match(parseError("a:\n\techo $(patsubst %.c,%.o,x.c) > a\n"), /^M:2:7: `\$\(patsubst …\)` is make's patsubst function/);
  // a command of the shell's is still told to use `$$(`
  assert.match(parseError("a:\n\techo $(date +%s) > a\n"), /^M:2:7: `\$\(date …`: not a variable name; write `\$\$\(` for the shell's command substitution$/);
});

test("parser: make's substitution references $(SRC:.c=.o) and ${SRC:%.c=%.o} are named as such, not sent to the shell with `$$(`", () => {
  assert.equal(parseError("SRC=a.c b.c\nOBJ=$(SRC:.c=.o)\nx: $(OBJ)\n\ttouch x\n"), "M:2:5: `$(SRC:.c=.o)` is make's substitution reference; Makeflow has none: write the file names (or set another variable)");
  assert.match(parseError("SRC=a.c\nx:\n\techo ${SRC:%.c=%.o} > x\n"), /^M:3:7: `\$\{SRC:%\.c=%\.o\}` is make's substitution reference/);
  // the shell's own ${X:-y} is still told to use `$${`
  for (const shell of ["${HOME:-y}", "${X:=a=b}", "${X:-a=b}", "${X:+a=b}"]) assert.match(parseError(`x:\n\techo ${shell} > x\n`), /not a variable name; write `\$\$\{` for the shell's parameter expansion$/, shell);
});

test("parser: make's order-only '|' in a rule line is named as such (it was a missing source '|'); a quoted '|' is a file of that name", () => {
  assert.equal(parseError("a: b | c\n\ttouch a\n"), "M:1:6: '|' is make's order-only separator; Makeflow has none: list those files as sources (quote it, '|', for a file of that name)");
  assert.match(parseError("a: \"b\" | c\n\ttouch a\n"), /^M:1:8: '\|' is make's order-only separator/);
  assert.doesNotThrow(() => parseMakeflow("a: '|'\n\ttouch a\n", { file: "M" }));
});

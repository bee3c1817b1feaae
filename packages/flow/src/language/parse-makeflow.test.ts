import assert from "node:assert/strict";
import { test } from "node:test";
import { plan } from "../plan/plan.ts";
import { parseMakeflow } from "./parse-makeflow.ts";
import { type ErrorCase, testErrors } from "../../test/workflow-errors.ts";

const parse = (text: string, environment: Record<string, string> = {}) => parseMakeflow(text, { file: "w.mf", environment });

test("language: a rule has targets, sources and one command", () => {
  const { rules } = parse("out.txt other.txt: in.txt tool\n\t./tool in.txt > out.txt\n");
  assert.equal(rules.length, 1);
  assert.deepEqual(rules[0]!.targets.map((t) => t.path), ["out.txt", "other.txt"]);
  assert.deepEqual(rules[0]!.sources.map((s) => s.path), ["in.txt", "tool"]);
  assert.equal(rules[0]!.command, "./tool in.txt > out.txt");
  assert.deepEqual(rules[0]!.location, { file: "w.mf", line: 1, column: 1 });
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
test("language: $X, $(X) and ${X} expand; unknown names fall back to the environment; a name set by neither is an error, as upstream", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
  const { rules } = parse("A=1\nB=2\nC=3\nE=\nout: \n\techo $A $(B) ${C} $(HOME_DIR)$(E).\n", { HOME_DIR: "/h" });
  assert.equal(rules[0]!.command, "echo 1 2 3 /h.");
  // it expanded to nothing: 'rm -rf $(OUT)/' with OUT misspelled, or the shell's $f in a loop, ran changed
  assert.throws(() => parse("out:\n\trm -rf $(NOPE)/ > out\n"), /^WorkflowError: w\.mf:2:9: variable 'NOPE' is not set \(neither by the workflow before this line nor in the environment\); for the shell's variable write '\$\$\{NOPE\}'$/);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
  assert.throws(() => parse("out:\n\techo ${NOPE} $X > out\n"), /for the shell's variable write '\$\$\{NOPE\}'$/);
  assert.throws(() => parse("out:\n\tfor f in a b; do echo $f; done > out\n"), /^WorkflowError: w\.mf:2:24: variable 'f' is not set .*write '\$\$f'$/);
  // no shell reads a file name or a value: no hint to write the shell's spelling there
  assert.throws(() => parse("out: $(IN)\n\tcat $(IN) > out\n"), /^WorkflowError: w\.mf:1:6: variable 'IN' is not set \(neither by the workflow before this line nor in the environment\)$/);
  assert.throws(() => parse("X=$(Y)\nout:\n\techo > out\n"), /^WorkflowError: w\.mf:1:3: variable 'Y' is not set \(neither by the workflow before this line nor in the environment\)$/);
  assert.throws(() => parse("o$X:\n\techo > o\n"), /^WorkflowError: w\.mf:1:2: variable 'X' is not set \(neither by the workflow before this line nor in the environment\)$/);
  assert.throws(() => parse(".MAKEFLOW CORES $(N)\n"), /^WorkflowError: w\.mf:1:17: variable 'N' is not set/);
});

test("language: a variable used before the line that sets it is an error naming that line (upstream: 'has not yet been defined')", () => {
  assert.throws(() => parse("out:\n\techo $(X) > out\n# later\nX=late\n"), /^WorkflowError: w\.mf:2:7: variable 'X' is used before it is set \(at line 4\): set it before this line$/);
  assert.throws(() => parse("out: $X\n\techo > out\nexport X=1\n"), /^WorkflowError: w\.mf:1:6: variable 'X' is used before it is set \(at line 3\)/);
  assert.throws(() => parse("out:\n\techo $(CORES) > out\n.MAKEFLOW CORES 2\n"), /^WorkflowError: w\.mf:2:7: variable 'CORES' is used before it is set \(at line 3\)/);
  // set before (in another rule's own assignments) and after: the later line is named
  assert.throws(() => parse("a:\nX=1\n\techo > a\nb:\n\techo $X > b\nX=2\n"), /^WorkflowError: w\.mf:5:7: variable 'X' is used before it is set \(at line 6\)/);
});

test("language: += appends with a space, and values expand when assigned", () => {
  const { rules } = parse("X=a\nX+=b\nY=$(X)\nX=c\nout:\n\techo $(X) $(Y)\n");
  assert.equal(rules[0]!.command, "echo c a b");
});

test("language: \\$ and $$ pass a dollar to the shell", () => {
  const { rules } = parse("out:\n\tawk '{print \\$1}' in > out; echo $$HOME\n");
  assert.equal(rules[0]!.command, "awk '{print $1}' in > out; echo $HOME");
});

test("language: rule-local assignments apply to one rule only", () => {
  const { rules } = parse("V=global\na:\n\t@V=local\n\techo $(V)\nb:\nV=also-local\n\techo $(V)\nc:\n@V+=more\n\techo $(V)\nd:\n\techo $(V)\n");
  assert.deepEqual(rules.map((r) => r.command), ["echo local", "echo also-local", "echo global more", "echo global"]);
});

test("language: an indented line is the command unless it starts @NAME= (LC_ALL=C sort is a command)", () => {
  const { rules } = parse("o:\n\tLC_ALL=C sort /etc/hostname > o\np:\n\tn=$$(cat cnt); echo $$n > p\nq:\n\t@N=1\n\tX=$(N) run > q\n");
  assert.deepEqual(rules.map((r) => r.command), ["LC_ALL=C sort /etc/hostname > o", "n=$(cat cnt); echo $n > p", "X=1 run > q"]);
});

test("language: an indented '@NAME = value' with blanks around '=' is a rule-local assignment, as '@NAME=value' is", () => {
  // it was "'@' must be followed by an assignment NAME=value, with no blank before '='"
  const { rules } = parse("X=global\na:\n\t@X = 1\n  @Y\t+= 2\n\techo $(X) $(Y)\nb:\n\techo $(X)\n");
  assert.deepEqual(rules.map((r) => r.command), ["echo 1 2", "echo global"]);
});

test("language: a comment after a rule-local assignment is not part of its value", () => {
  const { rules } = parse("a:\n\t@X=1 # the answer\n\techo $(X)\nb:\nY = 2 # two\n@Z+=3 # three\n\techo $(Y)$(Z)\n");
  assert.deepEqual(rules.map((r) => r.command), ["echo 1", "echo 23"]);
});

test("language: single-quoted text is literal, double-quoted text expands, quotes stay for the shell", () => {
  const { rules } = parse([
    "X=v", "Y='$X' \"$X\"", "a:", "\tawk '{print $1 * 2}' x > a", "b:", `\techo "$X" '$X' "it's $X" '$(x y)' '\\$1 $$1' $$X \\$X $(Y)`,
  ].join("\n"));
  assert.equal(rules[0]!.command, "awk '{print $1 * 2}' x > a");
  assert.equal(rules[1]!.command, `echo "v" '$X' "it's v" '$(x y)' '$1 $1' $X $X '$X' "v"`);
});

test("language: single quotes keep file names literal; double quotes expand them", () => {
  const { rules } = parse(`X=v\n'$X' "$X y": '$(a b)'\n\tcmd\n`);
  assert.deepEqual(rules[0]!.targets.map((t) => t.path), ["$X", "v y"]);
  assert.deepEqual(rules[0]!.sources.map((t) => t.path), ["$(a b)"]);
});

test("language: a \\\" inside double quotes does not end them when looking for the rule's ':'", () => {
  const { rules } = parse(`"we\\"ird name": "in:put"\n\ttouch x\n`);
  assert.deepEqual(rules[0]!.targets.map((t) => t.path), ['we"ird name']);
  assert.deepEqual(rules[0]!.sources.map((t) => t.path), ["in:put"]);
});

test("language: a file listed twice in one list counts once, as in make", () => {
  const { rules } = parse("a a ./a: b b c->c\n\tcmd\nx: y\n\tcmd\n");
  assert.deepEqual(rules[0]!.targets.map((t) => t.path), ["a"]);
  assert.deepEqual(rules[0]!.sources.map((t) => t.path), ["b", "c"]);
  const many = Array.from({ length: 20 }, (_, i) => `f${i}`).join(" ");
  const wide = parse(`t t: ${many} ${many} g->in h\n\tcmd\n`).rules[0]!;
  assert.deepEqual(wide.targets.map((t) => t.path), ["t"]);
  assert.equal(wide.sources.length, 22);
  assert.doesNotThrow(() => plan(parse("a a: b b\n\tcmd\nb:\n\tcmd\n"), { exists: () => false }));
});

test("language: quoted target names keep their blanks; quotes are removed", () => {
  const { rules } = parse(`"my file.txt" 'b c': "in put"\n\tcp "in put" "my file.txt"\n`);
  assert.deepEqual(rules[0]!.targets.map((t) => t.path), ["my file.txt", "b c"]);
  assert.deepEqual(rules[0]!.sources.map((s) => s.path), ["in put"]);
});

test("language: a backslash at the end of a line continues it", () => {
  const { rules } = parse("out: a \\\n  b\n\techo a \\\n  b > out\n");
  assert.deepEqual(rules[0]!.sources.map((s) => s.path), ["a", "b"]);
  assert.equal(rules[0]!.command, "echo a    b > out");
});

test("language: comments, blank lines and trailing comments are ignored", () => {
  const { rules } = parse("# a comment\n\nX=1 # trailing\nout: in # why\n\n\techo $(X)\n   # indented comment\n");
  assert.equal(rules[0]!.command, "echo 1");
  assert.deepEqual(rules[0]!.sources.map((s) => s.path), ["in"]);
});

test("language: export passes variables to the job, with or without a value", () => {
  const { rules } = parse("export A=1\nB=2\nexport B\nexport C\nout:\n\ttrue\nexport D=late\n", { C: "env" });
  assert.deepEqual(rules[0]!.environment, { A: "1", B: "2", C: "env", CORES: "1", OMP_NUM_THREADS: "1" });
});

test("language: LOCAL marks a rule to run on the master", () => {
  const { rules } = parse("a:\n\tLOCAL touch a\nb:\n\ttouch b\n");
  assert.deepEqual(rules.map((r) => [r.local, r.command]), [[true, "touch a"], [false, "touch b"]]);
});

test("language: local->remote renames a file in the remote sandbox", () => {
  const { rules } = parse("c->out: a->in1 b\n\tprog in1 b > out\n");
  assert.deepEqual(rules[0]!.targets.map((t) => [t.path, t.remoteName]), [["c", "out"]]);
  assert.deepEqual(rules[0]!.sources.map((t) => [t.path, t.remoteName]), [["a", "in1"], ["b", "b"]]);
});

test("language: paths are normalized so ./a and a/ are one file", () => {
  const { rules } = parse("./x/y/: ./dir/\n\tmkdir -p x/y\n");
  assert.equal(rules[0]!.targets[0]!.path, "x/y");
  assert.equal(rules[0]!.sources[0]!.path, "dir");
});

test("language: MAKEFLOW nests a workflow, depends on its file, and runs locally", () => {
  const { rules } = parse("out: in\n\tMAKEFLOW sub.mf subdir\n");
  assert.deepEqual(rules[0]!.nested, { file: "sub.mf", directory: "subdir" });
  assert.ok(rules[0]!.sources.some((s) => s.path === "sub.mf"));
  assert.equal(rules[0]!.local, true);
});

test("language: CATEGORY and resources follow the manual's table, with environment fallback", () => {
  const text = [
    'CATEGORY="preprocessing"', "DISK=500", "one: ", "\tcmd", "",
    'CATEGORY="simulation"', "CORES=1", "MEMORY=400", "DISK=400", "three:", "\tcmd", "",
    'CATEGORY="analysis"', "CORES=4", "DISK=600", "five:", "\tcmd", "",
  ].join("\n");
  const { rules, categories } = parse(text, { MEMORY: "800" });
  assert.deepEqual(rules.map((r) => [r.category, r.resources]), [
    ["preprocessing", { memoryMb: 800, diskMb: 500 }],
    ["simulation", { cores: 1, memoryMb: 400, diskMb: 400 }],
    ["analysis", { cores: 4, memoryMb: 800, diskMb: 600 }],
  ]);
  assert.deepEqual([...categories.keys()], ["default", "preprocessing", "simulation", "analysis"]);
});

test("language: GPUS is a resource, and a rule-local CORES overrides its category", () => {
  const { rules } = parse("GPUS=1\nCORES=2\na:\n\t@CORES=8\n\tcmd\nb:\n\tcmd\n");
  assert.deepEqual(rules.map((r) => r.resources), [{ cores: 8, gpus: 1 }, { cores: 2, gpus: 1 }]);
});

test("language: .MAKEFLOW directives set category, resources, mode and size", () => {
  const text = ".MAKEFLOW CATEGORY big\n.MAKEFLOW CORES 4\n.MAKEFLOW MEMORY 2000\n.MAKEFLOW MODE max\n.MAKEFLOW SIZE in 1024\na: in\n\t.MAKEFLOW GPUS 1\n\tcmd\n";
  const workflow = parse(text);
  assert.equal(workflow.rules[0]!.category, "big");
  assert.deepEqual(workflow.rules[0]!.resources, { cores: 4, memoryMb: 2000, gpus: 1 });
  assert.equal(workflow.categories.get("big")!.mode, "max");
  assert.equal(workflow.sizeHints.get("in"), 1024);
});

test("language: no arbitrary limits — a 10 KB word and a 1 MB command parse", () => {
  const word = "w".repeat(10_000);
  const command = `echo ${"x".repeat(1_000_000)}`;
  const { rules } = parse(`${word}: \n\t${command}\n`);
  assert.equal(rules[0]!.targets[0]!.path.length, 10_000);
  assert.equal(rules[0]!.command.length, command.length);
});

const errors: ErrorCase[] = [
  ["unknown directive", "X=1\n.PHONY: all\n", /^w\.mf:2:1: unknown directive '\.PHONY:'/],
  ["unknown .MAKEFLOW directive", ".MAKEFLOW COLOUR blue\n", /^w\.mf:1:11: unknown directive '\.MAKEFLOW COLOUR'/],
  ["unterminated quote in a command", "a:\n\techo 'oops\n", /^w\.mf:2:7: unterminated quote '/],
  ["unterminated quote in a value", 'X="abc\n', /^w\.mf:1:3: unterminated quote "/],
  ["unterminated variable reference", "a:\n\techo $(X\n", /^w\.mf:2:7: unterminated variable reference/],
  ["a rule without a command", "a: b\nc: d\n\tcmd\n", /^w\.mf:1:1: rule for 'a' has no command/],
  ["a rule at the end of the file without a command", "a: b\n", /^w\.mf:1:1: rule for 'a' has no command/],
  ["two commands", "a:\n\tone\n\ttwo\n", /^w\.mf:3:2: a rule has exactly one command/],
  ["a line that is nothing", "just words\n", /^w\.mf:1:1: expected a rule/],
  ["a bad resource", "CORES=many\n", /^w\.mf:1:7: CORES must be a non-negative number/],
  ["bad remote renaming", "a->: b\n\tcmd\n", /^w\.mf:1:1: remote renaming must read/],
  ["a nested workflow without a file", "a:\n\tMAKEFLOW\n", /^w\.mf:2:2: a nested workflow reads/],
  ["no targets", ": b\n\tcmd\n", /^w\.mf:1:1: a rule needs at least one target before .:. \(a rule.s targets say whether it has run; for a check, make a stamp file/],
  ["make's '@' before a command", "a:\n\t@echo hi\n", /^w\.mf:2:2: '@' must be followed by an assignment NAME=value; a command cannot start with '@'/],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
  ["a shell default in ${…}", 'a:\n\techo "${HOME:-x}"\n', /^w\.mf:2:8: `\$\{HOME:-x\}`: not a variable name; write `\$\$\{` for the shell's parameter expansion$/],
  ["a command substitution in $(…)", "a:\n\tx=$(python3 -c 'print(1)')\n", /^w\.mf:2:4: `\$\(python3 …`: not a variable name; write `\$\$\(` for the shell's command substitution$/],
  ["$( NAME ) with blanks", "X=$( Y )\n", /^w\.mf:1:3: `\$\( …`: not a variable name/],
  ["an empty $()", "a: $()\n\tcmd\n", /^w\.mf:1:4: `\$\(\)`: not a variable name/],
  ["two sources with one remote name", "o: a.txt->in b->in\n\tcmd\n", /^w\.mf:1:14: remote name 'in' is given to both 'a\.txt' and 'b'$/],
  ["two targets with one remote name", "y->o z->o:\n\tcmd\n", /^w\.mf:1:6: remote name 'o' is given to both 'y' and 'z'$/],
  ["a source and a target with one remote name", "x->in: a->in\n\tcmd\n", /^w\.mf:1:8: remote name 'in' is given to both 'x' and 'a'$/],
  ["a source renamed to another source's name", "o: in a->in\n\tcmd\n", /^w\.mf:1:7: remote name 'in' is given to both 'in' and 'a'$/],
  ["one remote name among many files", `o: ${Array.from({ length: 20 }, (_, i) => `f${i}`).join(" ")} g->f3\n\tcmd\n`, /remote name 'f3' is given to both 'f3' and 'g'$/],
];
testErrors("language", parse, errors);

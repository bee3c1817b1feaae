// Upstream Makeflow's own test suite (cctools makeflow/test/TR_makeflow_*.sh), case by case, for
// the features skein claims: each test names the upstream test and checks what it checks, on a
// workflow of our own with the same shape. Cases that need a run (dirs_* on workers, restart)
// are checked through the built binary and in workers/staged-outputs.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMakeflow } from "../language/parse-makeflow.ts";
import { parseWorkflow } from "../language/parse-workflow.ts";
import { plan } from "./plan.ts";

const parse = (text: string, environment: Record<string, string> = {}) => parseMakeflow(text, { file: "w.mf", environment, directory: "/w" });
const commands = (text: string, environment: Record<string, string> = {}) => parse(text, environment).rules.map((rule) => rule.command);
const planError = (text: string, exists: (path: string) => boolean = () => false) => {
  try {
    plan(parse(text), { exists });
  } catch (error) {
    return (error as Error).message;
  }
  return assert.fail("planned without an error");
};

test("upstream TR_makeflow_020_syntax_variable_scope: a rule-local assignment or += changes only its rule", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
  const text = "X = 1 # global\nr0:\n\t@X=0\n\techo ${X} > r0 # 0\nr1:\n\techo ${X} > r1\nr2:\n\t@X+=2\n\techo ${X} > r2\nr3:\n\t@Y+=0\n\techo ${Y} > r3\nr4:\n\t@Y+=1\n\techo ${Y} > r4\n";
  assert.deepEqual(commands(text), ["echo 0 > r0", "echo 1 > r1", "echo 1 2 > r2", "echo 0 > r3", "echo 1 > r4"]);
});

// biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
test("upstream TR_makeflow_020_category_variable_scope: a rule takes the category of the last .MAKEFLOW CATEGORY, and \\${CATEGORY} reaches the shell", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
  const { rules } = parse(".MAKEFLOW CATEGORY one\na:\n    echo \\${CATEGORY} > a\n.MAKEFLOW CATEGORY two\nb:\n    echo ${CATEGORY} > b\nc:\n    echo \\${CATEGORY} > c\n");
  assert.deepEqual(rules.map((rule) => [rule.category, rule.command, rule.environment.CATEGORY]), [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
    ["one", "echo ${CATEGORY} > a", "one"],
    ["two", "echo two > b", "two"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Makeflow syntax, not a template
    ["two", "echo ${CATEGORY} > c", "two"],
  ]);
});

test("upstream TR_makeflow_021_export: exported names reach the job, an unexported one does not, a rule-local value of an exported name does", () => {
  const { rules } = parse("A=0\nB=1\nexport B\na:\n\techo \\$A > a\nb:\n\techo $B > b\nc:\nB=2\n\techo $B > c\nd:\n\techo \\$ > d\t  # a dollar\n");
  assert.deepEqual(rules.map((rule) => [rule.command, rule.environment.A, rule.environment.B]), [
    ["echo $A > a", undefined, "1"],
    ["echo 1 > b", undefined, "1"],
    ["echo 2 > c", undefined, "2"],
    ["echo $ > d", undefined, "1"],
  ]);
});

test("upstream TR_makeflow_022_export: export NAME=$OTHER takes the environment's value, and the workflow's export wins over the environment", () => {
  const { rules } = parse("export ECHOB=echob\nexport ECHOC=$ECHOA\nout: $ECHOA $ECHOC\n\t$ECHOA $ECHOB > out; $ECHOC $ECHOB >> out\n", { ECHOA: "/bin/echo", ECHOB: "echoY", ECHOC: "echoX" });
  assert.equal(rules[0]!.command, "/bin/echo echob > out; /bin/echo echob >> out");
  assert.deepEqual(rules[0]!.sources.map((source) => source.path), ["/bin/echo"]);
  assert.equal(rules[0]!.environment.ECHOC, "/bin/echo");
});

test("upstream TR_makeflow_020_line_continuation and _syntax_command_comment: a continued command, a trailing backslash before a blank line, a quoted #", () => {
  assert.deepEqual(commands('a:\n\techo "x" "y" \\\n    "z" > a\n\nb: a\n\tgrep "x y z" a > b \\\n\nc:\n    echo "# not a comment" > c\n'), [
    'echo "x" "y"      "z" > a', // the blanks reach the shell, which reads one
    'grep "x y z" a > b',
    'echo "# not a comment" > c',
  ]);
});

test("upstream TR_makeflow_020_syntax_dashes: dashes in names are names; only -> renames", () => {
  const { rules } = parse("p:\n\techo > p\np-q: p\n\tcat p > p-q\np--q: p-q\n\tcat p-q > p--q\np---q: p--q\n\tcat p--q > p---q\n");
  assert.deepEqual(rules.map((rule) => [rule.targets[0]!.path, rule.targets[0]!.remoteName]), [["p", "p"], ["p-q", "p-q"], ["p--q", "p--q"], ["p---q", "p---q"]]);
  assert.deepEqual(plan(parse("p:\n\techo > p\np-q: p\n\tcat p > p-q\np--q: p-q\n\tcat p-q > p--q\n"), { exists: () => false }).dependencies, [[], [0], [1]]);
});

test("upstream TR_makeflow_025_quoting: quoted targets, a variable holding two names, a quoted variable holding one name with a blank", () => {
  const { rules } = parse('"A":\n\techo A > A\n\'B\':\n\techo B > B\nCD=C D\n$(CD) E:\n\ttouch C D E\nF "$(CD)" G:\n\ttouch F "$(CD)" G\nHK="H I" "J K"\n$(HK):\n\ttouch "H I" "J K"\n');
  assert.deepEqual(rules.map((rule) => rule.targets.map((target) => target.path)), [["A"], ["B"], ["C", "D", "E"], ["F", "C D", "G"], ["H I", "J K"]]);
});

test("upstream TR_makeflow_025_quoting_open and _020_syntax_variable_issues: an open quote in a target list, and an assignment without a name, are errors", () => {
  assert.throws(() => parse(':"open\n    cmd\n'), /^WorkflowError: w\.mf:1:2: unterminated quote "$/);
  assert.throws(() => parse(":'open\n    cmd\n"), /^WorkflowError: w\.mf:1:2: unterminated quote '$/);
  assert.throws(() => parse('V=ok\nV="fine"\n=bad\nout:\n\ttouch out\n'), /^WorkflowError: w\.mf:3:1: expected a rule/);
});

test("upstream TR_makeflow_024_directives (and _bad_value, _unsupported): categories with resources, .SIZE; a bad value or an unknown directive is an error", () => {
  const text = ".MAKEFLOW CATEGORY merge\n.SIZE a.jpg 51274\n.MAKEFLOW CORES 1\n.MAKEFLOW MEMORY 50\nm.gif: a.jpg\n\tcmd\n.MAKEFLOW CATEGORY pre\n.MAKEFLOW MEMORY 10\n.MAKEFLOW DISK 20\na.jpg:\n\tLOCAL cmd\n";
  const workflow = parse(text);
  assert.deepEqual(workflow.rules.map((rule) => [rule.category, rule.resources.cores, rule.resources.memoryMb, rule.resources.diskMb, rule.local]), [
    ["merge", 1, 50, undefined, false],
    ["pre", undefined, 10, 20, true],
  ]);
  assert.equal(workflow.sizeHints.get("a.jpg"), 51274);
  assert.throws(() => parse(text.replace("CORES 1", "CORES unsupported")), /^WorkflowError: w\.mf:3:17: CORES must be a non-negative number/);
  assert.throws(() => parse(text.replace("CATEGORY merge", "NOT_DIRECTIVE unsupported")), /^WorkflowError: w\.mf:1:11: unknown directive '\.MAKEFLOW NOT_DIRECTIVE'/);
});

test("upstream TR_makeflow_040_recursive (options.makeflow): BATCH_LOCAL in any case, quoted values kept whole, += on a quoted value", () => {
  const { rules } = parse('a:\n\t@BATCH_OPTIONS=\'x == "y"\'\n\tcmd > a\nb:\n\t@BATCH_LOCAL=TRUE\n\tcmd > b\nc:\n\t@BATCH_LOCAL=FALSE\n\tcmd > c\nC0="uname"\nd:\n\t@C0+=-a\n\t$C0 > d\n');
  assert.deepEqual(rules.map((rule) => [rule.command, rule.local]), [["cmd > a", false], ["cmd > b", true], ["cmd > c", false], ['"uname" -a > d', false]]);
});

test("upstream TR_makeflow_020_syntax_typo: a source nothing makes is an error at the source, before anything runs", () => {
  assert.equal(planError("m.gif: a.jpg capital.jpg\n\tcmd\ncapitol.jpg: a.jpg\n\tcmd\na.jpg:\n\tcmd\n"), "w.mf:1:14: source 'capital.jpg' is not made by any rule and does not exist");
});

test("upstream TR_makeflow_001_dirs_05/06/07: a rule listing a directory and files inside it, in any order; a later rule reading one of those files waits for it", () => {
  for (const targets of ["mydir mydir/1.txt mydir/2.txt", "mydir/1.txt mydir/2.txt mydir"]) {
    const result = plan(parse(`${targets}: input\n\tmkdir -p mydir; cp input/hello mydir/1.txt mydir/2.txt\nmydir/3.txt: mydir/1.txt\n\tcat mydir/1.txt > mydir/3.txt\n`), { exists: (path) => path === "input" });
    assert.deepEqual(result.dependencies, [[], [0]]);
  }
});

test("upstream TR_makeflow_json_simple, _json_env, _json_local: JSON rules wait for their inputs' rules; the rule's environment wins over the workflow's; local_job runs on the master", () => {
  const json = JSON.stringify({
    environment: { A: "a", B: "b" },
    rules: [
      { command: "echo $A > A", outputs: ["A"], local_job: true },
      { command: "echo $B > B", outputs: [{ dag_name: "B" }], environment: { B: "x" } },
      { command: '[ "$A" = $(cat A) ] && [ x = $(cat B) ] && touch ok', inputs: ["A", { dag_name: "B" }], outputs: ["ok"] },
    ],
  });
  const workflow = parseWorkflow(json, { file: "w.json", environment: {}, directory: "/w" });
  // a JSON command is the shell's: $(cat A) is not a variable reference
  assert.deepEqual(workflow.rules.map((rule) => [rule.command, rule.local, rule.environment.A, rule.environment.B]), [
    ["echo $A > A", true, "a", "b"],
    ["echo $B > B", false, "a", "x"],
    ['[ "$A" = $(cat A) ] && [ x = $(cat B) ] && touch ok', false, "a", "b"],
  ]);
  assert.deepEqual(plan(workflow, { exists: () => false }).dependencies, [[], [], [0, 1]]);
});

test("upstream TR_makeflow_001_dirs_*: run as 'makeflow dirs/w.mf' from the parent, upstream reads names from there; a source found only there is named in the error", () => {
  const fromStartDirectory = (written: string) => (written === "input/hello" ? "../input/hello" : undefined);
  const text = "mydir/1.txt: other input/hello\n\tcp input/hello mydir/1.txt\n";
  assert.throws(() => plan(parse(text), { exists: () => false, fromStartDirectory }), {
    message: "w.mf:1:14: sources 'other', 'input/hello' are not made by any rule and do not exist (names are read from the workflow's directory; 'input/hello' of the current directory, where upstream reads names, is '../input/hello')",
  });
  assert.equal(planError(text), "w.mf:1:14: sources 'other', 'input/hello' are not made by any rule and do not exist");
});

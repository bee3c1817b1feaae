import assert from "node:assert/strict";
import { test } from "node:test";
import { parseWorkflow } from "./parse-workflow.ts";

const parse = (text: string, file = "w.mf") => parseWorkflow(text, { file, environment: {} });

test("remote names: a name inside the sandbox is kept, normalized; a quoted or escaped arrow is part of a file name", () => {
  const { rules } = parse('o: x->d/ y->./sub/in "p->q" r\\->s\n\tcmd\n');
  assert.deepEqual(rules[0]!.sources.map((s) => [s.path, s.remoteName]), [["x", "d"], ["y", "sub/in"], ["p->q", "p->q"], ["r->s", "r->s"]]);
});

// Workers refuse such a task only when it runs (failing the run midway); the parser refuses it first.
const errors: Array<[string, string, string, RegExp]> = [
  ["an absolute remote name", "o: x->/etc/passwd\n\tcmd\n", "w.mf", /^w\.mf:1:4: remote name '\/etc\/passwd' cannot name a file in the job's sandbox: it is an absolute path$/],
  ["a remote name leading out", "o: x->../up\n\tcmd\n", "w.mf", /^w\.mf:1:4: remote name '\.\.\/up' cannot name a file in the job's sandbox: it leads out of the sandbox/],
  ["a remote name with '..' after a name (kept as written, not read as '..')", "o->a/../..: x\n\tcmd\n", "w.mf", /^w\.mf:1:1: remote name 'a\/\.\.\/\.\.' cannot name a file in the job's sandbox: it holds a '\.\.' segment, which can lead out of the sandbox$/],
  ["a remote name with '..' inside", "o: x->./d/../in\n\tcmd\n", "w.mf", /^w\.mf:1:4: remote name '\.\/d\/\.\.\/in' cannot name a file in the job's sandbox: it holds a '\.\.' segment/],
  ["a JSON task_name with '..' inside", '{"rules": [{"command": "x", "outputs": [{"dag_name": "o", "task_name": "d/../o"}]}]}', "w.json", /^w\.json:1:41: outputs\[0\]: task_name 'd\/\.\.\/o' cannot name a file in the job's sandbox: it holds a '\.\.' segment/],
  ["the sandbox itself", "o: x->.\n\tcmd\n", "w.mf", /^w\.mf:1:4: remote name '\.' cannot name a file in the job's sandbox: it names the sandbox itself$/],
  ["a JSON task_name leading out", '{"rules": [{"command": "x", "outputs": [{"dag_name": "o", "task_name": "../o"}]}]}', "w.json", /^w\.json:1:41: outputs\[0\]: task_name '\.\.\/o' cannot name a file in the job's sandbox/],
];
for (const [name, text, file, expected] of errors) {
  test(`remote names error: ${name}`, () => {
    assert.throws(() => parse(text, file), (error: Error) => {
      assert.equal(error.name, "WorkflowError");
      assert.match(error.message, expected);
      return true;
    });
  });
}

test("file names error: a NUL byte, which no file name can hold, is refused where it is written", () => {
  assert.throws(() => parse("a: x\0y\n\tcmd\n"), /^WorkflowError: w\.mf:1:4: a file name cannot hold a NUL byte$/);
  assert.throws(() => parse('{"rules": [{"command": "x", "outputs": ["a\\u0000"]}]}', "w.json"), /^WorkflowError: w\.json:1:41: outputs\[0\]: a file name cannot hold a NUL byte$/);
});

test("file names error: an empty quoted word is not '.', the whole directory", () => {
  // 'a: ""' made a rule wait for every rule of the workflow; '"": b' made a rule "make" '.'
  assert.throws(() => parse('a: "" b\n\tcmd\n'), /^WorkflowError: w\.mf:1:4: an empty file name \(a quoted empty word, or a quoted variable with no value\)$/);
  assert.throws(() => parse("'': b\n\tcmd\n"), /^WorkflowError: w\.mf:1:1: an empty file name/);
  assert.throws(() => parse('E=\na: "$(E)"\n\tcmd\n'), /^WorkflowError: w\.mf:2:4: an empty file name/);
  assert.deepEqual(parse("E=\na: $(E) b\n\tcmd\n").rules[0]!.sources.map((s) => s.path), ["b"]);
});

test("remote names (upstream TR_makeflow_remote_naming): blanks around the arrow, as upstream's own test writes 'out.1 -> out.txt: input.txt -> input.1'", () => {
  const { rules } = parse("out.1 -> out.txt: input.txt -> input.1 a ->b c-> d\n\tcat input.1 > out.txt\nX=e -> f\nx: $(X) g\n\tcmd\n");
  assert.deepEqual(rules[0]!.targets.map((t) => [t.path, t.remoteName]), [["out.1", "out.txt"]]);
  assert.deepEqual(rules[0]!.sources.map((s) => [s.path, s.remoteName]), [["input.txt", "input.1"], ["a", "b"], ["c", "d"]]);
  assert.deepEqual(rules[1]!.sources.map((s) => [s.path, s.remoteName]), [["e", "f"], ["g", "g"]]);
  // a one-letter name is not an arrow's end; a quoted arrow is still part of a name
  assert.deepEqual(parse('o: a b "->" c\n\tcmd\n').rules[0]!.sources.map((s) => s.path), ["a", "b", "->", "c"]);
  assert.throws(() => parse("o: -> b\n\tcmd\n"), /^WorkflowError: w\.mf:1:4: remote renaming must read 'local->remote', not '->b'$/);
  assert.throws(() => parse("o: a ->\n\tcmd\n"), /^WorkflowError: w\.mf:1:4: remote renaming must read 'local->remote', not 'a->'$/);
  assert.throws(() => parse("o: a -> b -> c\n\tcmd\n"), /^WorkflowError: w\.mf:1:11: remote renaming must read 'local->remote', not '->c'$/);
});

test("remote names error: a target renamed inside another target's remote name must be named where it lands (it came back into the other's tree, and the run said done without it)", () => {
  assert.throws(() => parse("a->x b->x/f:\n\tmkdir x; echo > x/f\n"), {
    message: "w.mf:1:6: target 'b' comes back from a worker inside target 'a' (as 'x/f' inside 'x'), so it would land at 'a/f': name it so, or rename it out of 'x'",
  });
  assert.throws(() => parse(`d/1.txt ${Array.from({ length: 20 }, (_, i) => `o${i}`).join(" ")} e->d:\n\tcmd\n`), /^WorkflowError: w\.mf:1:1: target 'd\/1\.txt' comes back from a worker inside target 'e'/);
  // consistent nestings are fine: a directory and files inside it, renamed or not, in any order
  assert.equal(parse("mydir/1.txt mydir/2.txt mydir:\n\tcmd\n").rules[0]!.targets.length, 3);
  assert.equal(parse("a->x a/f->x/f:\n\tcmd\n").rules[0]!.targets.length, 2);
  assert.equal(parse("x/f->out x->in:\n\tcmd\n").rules[0]!.targets.length, 2);
});

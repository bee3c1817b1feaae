import assert from "node:assert/strict";
import { test } from "node:test";
import type { Expression, Statement, Word } from "./ast.ts";
import { expressionOperatorsMax, nestingDepthMax, scriptBytesMax } from "./limits.ts";
import { parseScript } from "./parser.ts";
import { FtshSyntaxError } from "./syntax-error.ts";

const parse = (source: string): Statement[] => parseScript(source, "t.ftsh").statements;

function syntaxError(source: string): FtshSyntaxError {
  try {
    parseScript(source, "t.ftsh");
  } catch (error) {
    assert.ok(error instanceof FtshSyntaxError, String(error));
    return error;
  }
  assert.fail(`expected a syntax error in:\n${source}`);
}

/** A word written back, with $name for variables and «» around quoted text. */
function show(word: Word): string {
  return word.parts
    .map((p) => (p.kind === "variable" ? `$${p.name}` : p.quoted ? `«${p.text}»` : p.text))
    .join("");
}

function showExpression(e: Expression): string {
  switch (e.kind) {
    case "literal":
      return show(e.word);
    case "binary":
      return `(${showExpression(e.left)} ${e.operator} ${showExpression(e.right)})`;
    case "unary":
      return `(${e.operator} ${showExpression(e.operand)})`;
    case "range":
      return `(${showExpression(e.from)} .to. ${showExpression(e.to)}${e.step ? ` .step. ${showExpression(e.step)}` : ""})`;
    case "call":
      return `${e.name}(${e.args.map(showExpression).join(", ")})`;
  }
}

test("parser: the issue's two scripts parse as written (list with or without commas)", () => {
  const [tryStatement] = parse("try for 1 hour\ncondor_submit job.file\nend\n");
  assert.equal(tryStatement?.kind, "try");
  if (tryStatement?.kind !== "try") return;
  assert.equal(tryStatement.forTime?.unitMs, 3_600_000);
  assert.equal(tryStatement.times, undefined);
  for (const list of ["X, Y, Z", "X Y Z", "X,Y,Z"]) {
    const [loop] = parse(`forany server in ${list}\nwget http://$server/myfile\nend`);
    assert.ok(loop?.kind === "for" && loop.mode === "forany");
    assert.deepEqual(loop.items.map(showExpression), ["X", "Y", "Z"]);
    const [command] = loop.body;
    assert.ok(command?.kind === "command");
    assert.deepEqual(command.words.map(show), ["wget", "http://$server/myfile"]);
  }
});

test("parser: words, quotes, escapes and variables", () => {
  const [command] = parse(`cp "This File" 'That $File' a\\ b \${name}x $(name) $1 $# $* "$@" $$ a,b(c) # comment`);
  assert.ok(command?.kind === "command");
  assert.deepEqual(command.words.map(show), [
    "cp",
    "«This File»",
    "«That $File»",
    "a« »b",
    "$namex",
    "$name",
    "$1",
    "$#",
    "$*",
    "$@",
    "$$",
    "a,b(c)",
  ]);
});

test("parser: redirections, numbered and variable ones included", () => {
  const [command] = parse("grep needle 0<in 1>out 2>>err ->v 2->>w -<x >&both &>>all 2>&1 >&2 -&>cap <-y");
  assert.ok(command?.kind === "command");
  const shown = command.redirects.map((r) => `${r.kind}:${r.fd}:${"mode" in r ? r.mode : ""}:${show(r.target)}`);
  assert.deepEqual(shown, [
    "file:0:input:in",
    "file:1:output:out",
    "file:2:append:err",
    "variable:1:output:v",
    "variable:2:append:w",
    "variable:0:input:x",
    "file:1:output:both",
    "duplicate:2::1",
    "file:1:append:all",
    "duplicate:2::1",
    "duplicate:2::1",
    "duplicate:1::2",
    "variable:1:output:cap",
    "duplicate:2::1",
    "variable:0:input:y",
  ]);
});

test("parser: every form of try header", () => {
  const headers: Array<[string, string]> = [
    ["try", "-/-/-"],
    ["try 5 times", "-/5/-"],
    ["try for 10 times", "-/10/-"],
    ["try for 45 seconds", "45x1000/-/-"],
    ["try for 3 days or 100 times", "3x86400000/100/-"],
    ["try 1 time 10 seconds", "10x1000/1/-"],
    ["try for 1 minute or 3 times every 15 seconds", "1x60000/3/15x1000"],
    ["try for 5 minutes every 30 seconds", "5x60000/-/30x1000"],
    ["try every 2 hours", "-/-/2x3600000"],
  ];
  for (const [header, expected] of headers) {
    const [statement] = parse(`${header}\n  echo hi\nend`);
    assert.ok(statement?.kind === "try", header);
    const limit = (l?: { amount: Expression; unitMs: number }) => (l ? `${showExpression(l.amount)}x${l.unitMs}` : "-");
    const shown = `${limit(statement.forTime)}/${statement.times ? showExpression(statement.times) : "-"}/${limit(statement.every)}`;
    assert.equal(shown, expected, header);
  }
});

test("parser: try/catch, if/else if/else, while, for, functions, return, shift, assignments", () => {
  const statements = parse(`
function fib
  if $1 .le. 1
    return 1
  else
    return fib($1 .sub. 1) .add. fib($1 .sub. 2)
  end
end
n=0
empty=
name="Douglas Thain"
while $n .lt. 10
  n=$n .add. 1
end
if $n .lt. 1000
  echo small
else if $n .eq. 1000
  echo equal
else
  echo big
end
try 5 times
  failure
catch
  echo caught
end
for x in 1 .to. 100 .step. 5
  shift 2
end
`);
  assert.deepEqual(
    statements.map((s) => s.kind),
    ["function", "assign", "assign", "assign", "while", "if", "try", "for"],
  );
  const [fib, zero, empty, name] = statements;
  assert.ok(fib?.kind === "function" && fib.body[0]?.kind === "if");
  const elseReturn = fib.body[0].elseBody?.[0];
  assert.ok(elseReturn?.kind === "return");
  assert.equal(showExpression(elseReturn.value), "(fib(($1 .sub. 1)) .add. fib(($1 .sub. 2)))");
  assert.ok(zero?.kind === "assign" && zero.value && showExpression(zero.value) === "0");
  assert.ok(empty?.kind === "assign" && empty.value === undefined);
  assert.ok(name?.kind === "assign" && name.value && showExpression(name.value) === "«Douglas Thain»");
  const elseIf = statements[5];
  assert.ok(elseIf?.kind === "if" && elseIf.elseBody?.[0]?.kind === "if");
  assert.ok(elseIf.elseBody[0].elseBody?.[0]?.kind === "command");
});

test("parser: operator precedence follows the original grammar", () => {
  const cases: Array<[string, string]> = [
    ["$x .mul. ( $y .add. $z )", "($x .mul. ($y .add. $z))"],
    ["1 .add. 2 .mul. 3", "(1 .add. (2 .mul. 3))"],
    ["( $x .lt. 10 ) .and. ( $y .gt. 20 ) .or. .not. $b", "((($x .lt. 10) .and. ($y .gt. 20)) .or. (.not. $b))"],
    [".isfile. $f .and. .isr. $f", "((.isfile. $f) .and. (.isr. $f))"],
    ["2 .pow. 3 .pow. 2", "((2 .pow. 3) .pow. 2)"],
    ["a .eq. b", "(a .eq. b)"],
  ];
  for (const [source, expected] of cases) {
    const [statement] = parse(`v=${source}`);
    assert.ok(statement?.kind === "assign" && statement.value);
    assert.equal(showExpression(statement.value), expected, source);
  }
});

test("parser: syntax errors name file:line:column", () => {
  const cases: Array<[string, string]> = [
    ["echo ok\ntry for 5 fortnights\nend", "t.ftsh:2:11: expected 'times', 'seconds', 'minutes', 'hours' or 'days' after the amount, found 'fortnights'"],
    ["try for 0 times\n  echo x\nend", "t.ftsh:1:9: times must be between 1 and 1000000000, got 0"],
    ["try 1000000001 times\n  echo x\nend", "t.ftsh:1:5: times must be between 1 and 1000000000, got 1000000001"],
    ["try for 367 days\n  echo x\nend", "t.ftsh:1:9: durations must be positive and at most 366 days, got 367"],
    ["try 3 times every 0 seconds\n  echo x\nend", "t.ftsh:1:19: durations must be positive and at most 366 days, got 0"],
    ["echo $(ls -l)", "t.ftsh:1:6: command substitution ('$(ls -l)') is not supported; capture output with '-> name' instead"],
    ["echo $(a-b)", "t.ftsh:1:6: 'a-b' is not a variable name"],
    ["try for -1 times\n  echo x\nend", "t.ftsh:1:9: times must be between 1 and 1000000000, got -1"],
    ["try for 1.5 hours\n  echo x\nend", "t.ftsh:1:9: expected an integer but got '1.5'"],
    ["try 3 times every ten seconds\n  echo x\nend", "t.ftsh:1:19: expected an integer but got 'ten'"],
    ["if $x .lt. 1\n  echo hi\n", "t.ftsh:3:1: 'if' at line 1 has no matching 'end'"],
    ["echo hi\nend\n", "t.ftsh:2:1: unexpected 'end'"],
    ['echo "unterminated\n', "t.ftsh:1:6: unterminated double-quoted string"],
    ["ls | wc", "t.ftsh:1:4: pipes ('|') are not supported; capture output with '-> name' and feed it with '-< name'"],
    ["sleep 10 &", "t.ftsh:1:10: background jobs ('&') are not supported; use forall to run work in parallel"],
    ["echo `date`", "t.ftsh:1:6: backquotes are not supported; capture output with '-> name' instead"],
    ["x=a b", "t.ftsh:1:5: unexpected 'b' after the value of 'x' (quote a value that contains spaces)"],
    ["echo $\u007boops", "t.ftsh:1:6: '$\u007b' is not closed by '}'"],
    ["echo $", "t.ftsh:1:6: expected a variable name after '$' (write \\$ for a dollar sign)"],
    ["return 1", "t.ftsh:1:1: 'return' outside a function"],
    ["if 1 .lt. 2 .lt. 3\nend", "t.ftsh:1:13: comparisons do not chain; use parentheses and .and."],
    ["if rm $f\nend", "t.ftsh:1:7: unexpected '$f' after the condition (to test a command, use try … catch)"],
    ["forany h X Y\nend", "t.ftsh:1:10: expected 'in' after 'forany h', found 'X'"],
    ["forall h in\nend", "t.ftsh:1:10: expected a list of items after 'in'"],
    ["echo > ", "t.ftsh:1:8: expected a target after '>', found end of file"],
    ["cat 3>x", "t.ftsh:1:5: only file descriptors 0, 1 and 2 can be redirected"],
    ["sort -< 9lives", "t.ftsh:1:9: '9lives' is not a variable name"],
    ["function f\nend\nfunction f\nend", "t.ftsh:3:10: function 'f' is already defined at line 1"],
    ["if x .eq. y\nfunction g\nend\nend", "t.ftsh:2:1: functions can only be defined at the top level"],
    ["try\necho\ncatch\necho\ncatch\nend", "t.ftsh:5:1: unexpected 'catch' inside 'try' at line 1"],
    ["end_of_it=1 .add.", "t.ftsh:1:18: expected a value, found end of file"],
  ];
  for (const [source, expected] of cases) assert.equal(syntaxError(source).message, expected, source);
});

test("parser: nesting and size limits are syntax errors, not stack overflows", () => {
  const deep = `${"try\n".repeat(nestingDepthMax + 1)}${"end\n".repeat(nestingDepthMax + 1)}`;
  assert.match(syntaxError(deep).message, /nesting deeper than 64 levels/);
  const parens = `x=${"(".repeat(10_000)}1${")".repeat(10_000)}`;
  assert.match(syntaxError(parens).message, /nesting deeper than/);
  assert.match(syntaxError(`#${"x".repeat(scriptBytesMax)}`).message, /t.ftsh:1:1: script is \d+ bytes; the limit is/);
});

test("parser: an expression of more than expressionOperatorsMax operators is a syntax error (it overflowed the stack when evaluated)", () => {
  const chain = (operator: string, count: number): string => `x=1${` ${operator} 1`.repeat(count)}`;
  assert.equal(parse(chain(".add.", expressionOperatorsMax)).length, 1);
  const column = `x=1${" .add. 1".repeat(expressionOperatorsMax)} `.length + 1;
  assert.equal(
    syntaxError(chain(".add.", expressionOperatorsMax + 1)).message,
    `t.ftsh:1:${column}: an expression has more than ${expressionOperatorsMax} operators`,
  );
  assert.match(syntaxError(chain(".pow.", 100_000)).message, /more than 1000 operators/);
  assert.match(syntaxError(`if true${" .and. true".repeat(600)} .or. f(1${" .add. 1".repeat(600)})\nend`).message, /more than 1000 operators/);
  assert.match(syntaxError(`for i in 1${" .mul. 1".repeat(1000)} .to. 5\nend`).message, /more than 1000 operators/);
  // each item of a list, and each statement, is an expression of its own
  assert.equal(parse(`for i in 1${" .add. 1".repeat(900)}, 2${" .add. 1".repeat(900)}\nend\n${chain(".sub.", 900)}`).length, 2);
});

test("parser: a variable name longer than 256 characters is read whole", () => {
  const name = "v".repeat(300);
  const [command] = parse(`echo $${name}x`);
  assert.ok(command?.kind === "command");
  assert.deepEqual(command.words[1]?.parts, [
    { kind: "variable", name: `${name}x`, quoted: false },
  ]);
});

test("parser: a byte-order mark at the start of the script is skipped", () => {
  const [first] = parse("\uFEFFtry 2 times\n  echo hi\nend\n");
  assert.equal(first?.kind, "try");
  assert.equal(syntaxError("\uFEFFecho 'x").message, "t.ftsh:1:6: unterminated single-quoted string");
});

test("parser: keywords are keywords only where a statement starts", () => {
  const [command] = parse("echo end try else catch function");
  assert.ok(command?.kind === "command");
  assert.equal(command.words.length, 6);
  const [quoted] = parse('"end" now');
  assert.ok(quoted?.kind === "command");
});

test("parser: a long else-if chain is flat, not nested (65 arms were 'nesting deeper than 64 levels')", () => {
  const arms = 20_000;
  const source = `if $x .eql. 0\n  echo 0\n${Array.from({ length: arms }, (_, i) => `else if $x .eql. ${i + 1}\n  echo ${i + 1}\n`).join("")}else\n  echo other\nend\n`;
  const [chain] = parse(source);
  let depth = 0;
  for (let node: Statement | undefined = chain; node?.kind === "if"; node = node.elseBody?.[0]) depth++;
  assert.equal(depth, arms + 1);
  assert.equal(syntaxError("if true\n  echo\nelse if false\n  echo\nelse if true\n").message, "t.ftsh:6:1: 'if' at line 5 has no matching 'end'");
});

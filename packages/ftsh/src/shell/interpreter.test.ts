import assert from "node:assert/strict";
import { test } from "node:test";
import { runFake } from "../../test/run-fake.ts";

test("shell: a group is brittle — the first failure stops it and fails the script", async () => {
  const run = await runFake("echo one\nfailure\necho two\n");
  assert.equal(run.stdout, "one\n");
  assert.equal(run.exitCode, 1);
  assert.equal(run.stderr, "t.ftsh:2:1: failure\n");
});

test("shell: a failing program fails its group, with the program's status in the message", async () => {
  const run = await runFake("echo start\nfalse\necho never\n");
  assert.equal(run.stdout, "start\n");
  assert.equal(run.exitCode, 1);
  assert.equal(run.stderr, "t.ftsh:2:1: false exited with status 1\n");
  const missing = await runFake("no-such-program x");
  assert.equal(missing.stderr, "t.ftsh:1:1: no-such-program could not be started: no such program\n");
});

test("shell: a syntax error runs nothing", async () => {
  const run = await runFake("echo should-not-run\ntouch marker\ntry for 3 fortnights\nend\n");
  assert.equal(run.exitCode, 2);
  assert.equal(run.stdout, "");
  assert.equal(run.host.runs.length, 0);
  assert.match(run.stderr, /^t\.ftsh:3:11: expected 'times'/);
});

test("shell: quoting follows ftsh's tests", async () => {
  const run = await runFake(String.raw`echo three unquoted args
echo ""
echo ''
echo "these" "are" "double" "quoted"
echo "spaces"     "betweeen"         "args"
echo "'single in double'"
echo '"double in single"'
echo "\"backwhacked doubles\" in doubles"
echo '\'backwhacked singles\' in singles'
echo backwhacked\ spaces\ between\ args
echo backwhacked weird stuff like pipe \| semicolon \; arrow \> \< ampersand \&
`);
  assert.equal(
    run.stdout,
    `three unquoted args


these are double quoted
spaces betweeen args
'single in double'
"double in single"
"backwhacked doubles" in doubles
'backwhacked singles' in singles
backwhacked spaces between args
backwhacked weird stuff like pipe | semicolon ; arrow > < ampersand &
`,
  );
});

test("shell: variables split when unquoted, not when quoted; -> captures, -< feeds", async () => {
  const run = await runFake(`
function printit
  echo "name is \${1}"
end
name="quoted value"
printit \${name}
printit "\${name}"
printit $name
printit "$(name)"
echo hello dolly -> v
cat -< v -> copy
printit $copy
printit "$copy"
echo "[$v]"
WORDS="four fat cats"
for w in \${WORDS}
  echo -n "<$w>"
end
for w in "\${WORDS}"
  echo "<$w>"
end
`);
  assert.equal(
    run.stdout,
    [
      "name is quoted",
      "name is quoted value",
      "name is quoted",
      "name is quoted value",
      "name is hello",
      "name is hello dolly",
      "[hello dolly]",
      "<four><fat><cats><four fat cats>",
      "",
    ].join("\n"),
  );
  assert.equal(run.exitCode, 0);
});

test("shell: positional arguments, $#, $*, \"$@\", shift and $$", async () => {
  const run = await runFake(
    `
function count
  echo "$# args: $*"
end
count "$@"
count $*
echo $0 $1 $2 $3 "[$9]" $$
shift
echo "$#" "$1"
shift 2
echo "$#"
shift
`,
    { args: ["a b", "c", "d"] },
  );
  assert.equal(run.stdout, "3 args: a b c d\n4 args: a b c d\nt.ftsh a b c d [] 4242\n2 c\n0\n");
  assert.equal(run.exitCode, 1);
  assert.match(run.stderr, /t\.ftsh:12:1: cannot shift 1 arguments; there are 0/);
});

test("shell: arithmetic, comparisons, if / else if / else, while", async () => {
  const run = await runFake(`
n=0
while $n .lt. 5
  n=$n .add. 1
end
a=$n .mul. ( 2 .add. 3 ) .sub. 7 .div. 2 .pow. 1
echo $n $a
for x in 999 1000 1001
  if $x .lt. 1000
    echo "$x small"
  else if $x .eql. 1000
    echo "$x equal"
  else
    echo "$x big"
  end
end
if ( Linux .ne. Darwin ) .and. .not. ( 5 .neql. 05 )
  echo strings-differ numbers-equal
end
if ( 7 .mod. 3 .eq. 1 ) .or. false
  echo mod
end
for i in 1 .to. 10 .step. 4
  echo -n "$i "
end
for i in 3 .to. 1
  echo -n "$i "
end
echo
`);
  assert.equal(
    run.stdout,
    "5 22\n999 small\n1000 equal\n1001 big\nstrings-differ numbers-equal\nmod\n1 5 9 3 2 1 \n",
  );
});

test("shell: expression errors fail the statement at the operator's position", async () => {
  const cases: Array<[string, string]> = [
    ["x=abc .add. 1", "t.ftsh:1:3: expected an integer but got 'abc'"],
    ["x=1 .div. 0", "t.ftsh:1:5: division by zero"],
    ["if maybe\nend", "t.ftsh:1:4: expected 'true' or 'false' but got 'maybe'"],
    ["x=9223372036854775807 .add. 1", "t.ftsh:1:23: integer overflow"],
    ["for i in 1 .to. 1000000000\nend", "t.ftsh:1:12: range has 1000000000 items; the limit is 100000"],
    ["x=nope(1)", "t.ftsh:1:3: function nope is not defined"],
  ];
  for (const [source, message] of cases) {
    const run = await runFake(source);
    assert.equal(run.exitCode, 1, source);
    assert.equal(run.stderr, `${message}\n`, source);
  }
});

test("shell: functions take arguments, return values and recurse, within a depth limit", async () => {
  const run = await runFake(`
function fib
  if $1 .le. 1
    return 1
  else
    return fib($1 .sub. 1) .add. fib($1 .sub. 2)
  end
end
function greet
  echo "hello $1 and $2"
end
value=fib(15)
echo $value
greet world "big moon"
function endless
  endless
end
try
  endless
  echo "should not get here"
catch
  echo "recursion stopped"
end
function noreturn
  success
end
x=noreturn()
`);
  assert.equal(run.stdout, "987\nhello world and big moon\nrecursion stopped\n");
  assert.match(run.stderr, /function calls nested deeper than 1000/);
  assert.match(run.stderr, /t\.ftsh:27:3: function noreturn did not return a value/);
  assert.equal(run.exitCode, 1);
});

test("shell: file redirections, 2>&1 and append", async () => {
  const run = await runFake(
    `
noisy > /tmp/out 2>&1
noisy >> /tmp/out 2> /tmp/err
noisy &> /tmp/both
noisy ->& captured
echo "[$captured]"
cat < /tmp/out
cat < /tmp/missing
`,
    {
      setup: (host) =>
        host.programs.set("noisy", async ({ write }) => {
          write(1, "out\n");
          write(2, "err\n");
          return 0;
        }),
    },
  );
  assert.equal(run.host.files.get("/tmp/out"), "out\nerr\nout\n");
  assert.equal(run.host.files.get("/tmp/err"), "err\n");
  assert.equal(run.host.files.get("/tmp/both"), "out\nerr\n");
  assert.equal(run.stdout, "[out\nerr]\nout\nerr\nout\n");
  assert.match(run.stderr, /t\.ftsh:8:5: cannot open \/tmp\/missing: no such file/);
  assert.equal(run.host.openHandles, 0, "every file is closed");
});

test("shell: cd changes the working directory of later commands; export sets the environment", async () => {
  let seen: { cwd: string; greeting?: string } | undefined;
  const run = await runFake(
    `
cd /tmp
GREETING=hi
export GREETING
where
cd /nowhere
`,
    {
      setup: (host) =>
        host.programs.set("where", async ({ cwd, environment }) => {
          seen = { cwd, greeting: environment.GREETING };
          return 0;
        }),
    },
  );
  assert.deepEqual(seen, { cwd: "/tmp", greeting: "hi" });
  assert.match(run.stderr, /t\.ftsh:6:1: cd: \/nowhere is not a directory/);
});

test("shell: exit leaves at once, even from inside try, forany and forall", async () => {
  for (const body of ["try 5 times\n  exit 3\nend", "forany x in a b\n  exit 3\nend", "forall x in a b\n  exit 3\nend"]) {
    const run = await runFake(`${body}\necho after\n`);
    assert.equal(run.exitCode, 3, body);
    assert.equal(run.stdout, "", body);
  }
});

test("shell: exit with a code that is not 0 to 255 is a failure naming it, not a silent exit 1", async () => {
  for (const code of ["300", "-1", "abc", "1.5", ""]) {
    const run = await runFake(`exit "${code}"\necho after\n`);
    assert.equal(run.exitCode, 1, code);
    assert.equal(run.stderr, `t.ftsh:1:1: exit: '${code}' is not an exit code (an integer from 0 to 255)\n`, code);
  }
  assert.equal((await runFake("exit 255\n")).exitCode, 255);
  assert.equal((await runFake("exit\n")).exitCode, 0);
});

test("shell: 'export NAME=value' (bash's form) says to assign, then export", async () => {
  const run = await runFake("export GREETING=hello\n");
  assert.equal(run.exitCode, 1);
  assert.equal(run.stderr, "t.ftsh:1:1: export takes a name, not an assignment: write 'GREETING=hello', then 'export GREETING'\n");
});

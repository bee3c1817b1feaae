import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Screen } from "../../test/screen.ts";
import { temporaryDirectories } from "../../test/temporary.ts";
import { StatusLine } from "./status-line.ts";

const temporary = temporaryDirectories("skein-status-");
const skein = new URL("../../../cli/bin/skein.js", import.meta.url).pathname;

test("status line: the bar keeps the bottom row; output, even an unfinished line, scrolls above it and never shares a row with it", () => {
  const screen = new Screen(6, 40);
  const line = new StatusLine({ write: (text) => screen.write(onlcr(text)), rows: 6 });
  screen.write("$ skein flow w.mf\r\n");
  line.draw("[##--] 1/4");
  screen.write("partial");
  line.draw("[###-] 2/4");
  screen.write(" done\r\n");
  for (let i = 0; i < 8; i++) screen.write(`out ${i}\r\n`);
  line.draw("[####] 3/4");
  assert.equal(screen.rows[5]!.join(""), "[####] 3/4", "the bar is on the bottom row");
  assert.deepEqual(screen.lines().slice(0, -1), ["$ skein flow w.mf", "partial done", ...Array.from({ length: 8 }, (_, i) => `out ${i}`), ""]);
  assert.ok(line.holdsTerminal);
  line.finish("[####] 4/4");
  assert.ok(!line.holdsTerminal);
  screen.write("$ ");
  const lines = screen.lines();
  assert.deepEqual(lines.slice(-3), ["out 7", "[####] 4/4", "$"], "the final line prints in the flow; the bottom row is free again");
  assert.equal(lines.filter((text) => text.includes("[")).length, 1, "no stale bar is left");
});

test("status line: a terminal that reports no size gets whole status lines, one every plainEvery draws, so commands' output never joins one", () => {
  const screen = new Screen(20, 60);
  const line = new StatusLine({ write: (text) => screen.write(onlcr(text)) }, { plainEvery: 3 });
  for (let i = 1; i <= 7; i++) {
    line.draw(`status ${i}`);
    screen.write(`line-from-o${i}\r\n`);
  }
  line.finish("final");
  assert.deepEqual(screen.lines().filter((text) => text !== ""), ["status 1", "line-from-o1", "line-from-o2", "line-from-o3", "status 4", "line-from-o4", "line-from-o5", "line-from-o6", "status 7", "line-from-o7", "final"]);
  assert.ok(!line.holdsTerminal);
  let written = "";
  const plain = new StatusLine({ write: (text) => (written += text) });
  plain.draw("one");
  plain.draw("two");
  plain.finish("three");
  assert.equal(written, "one\ntwo\nthree\n", "no escape sequences for a terminal that may not know them");
});

test("status line: after a resize the old bar row is cleared and the bar moves to the new bottom row", () => {
  const terminal = { rows: 8, write: (text: string) => screen.write(onlcr(text)) };
  const screen = new Screen(8, 30);
  const line = new StatusLine(terminal);
  line.draw("bar");
  terminal.rows = 6; // the emulated screen stays 8 rows: the old bar row is then visible
  line.resized();
  assert.equal(screen.rows[7]!.join(""), "", "the old bar row is cleared");
  assert.equal(screen.rows[5]!.join(""), "bar");
});

/** What a terminal's line discipline does to a program's output: each new line starts at column 0. */
const onlcr = (text: string) => text.replace(/\n/g, "\r\n");

const scriptMissing = spawnSync("script", ["-V"]).status === 0 ? undefined : "no script(1) on this machine";

test("skein flow on a terminal: commands' output never lands on the progress bar's row", { skip: scriptMissing, timeout: 60_000 }, () => {
  const root = temporary();
  // the first rule lasts long enough for the bar to be drawn (every 200 ms) before the others print
  writeFileSync(join(root, "w.mf"), "a:\n\tsleep 0.7; echo hello a; touch a\nb: a\n\techo hello b; printf 'no newline b'; touch b\nc: b\n\techo hello c >&2; touch c\n");
  const shell = `stty rows 12 cols 120; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(skein)} flow w.mf -j 1`;
  const ran = spawnSync("script", ["-qec", shell, "/dev/null"], { cwd: root, encoding: "latin1", timeout: 50_000, env: { ...process.env, TERM: "xterm" } });
  assert.equal(ran.status, 0, ran.stdout + ran.stderr);
  const screen = new Screen(12, 120);
  screen.write(ran.stdout);
  const lines = screen.lines().filter((text) => text !== "");
  for (const text of lines.filter((text) => text.includes("hello") || text.includes("no newline"))) {
    assert.match(text, /^(hello [abc]|no newline b(hello c)?)$/, `a command's output shares a row with the bar: ${JSON.stringify(lines)}`);
  }
  assert.ok(ran.stdout.includes("\x1b[1;11r"), "the bar had a row of its own");
  assert.ok(lines.some((text) => text.startsWith("[") && text.includes("done 3")), `the final bar is printed: ${JSON.stringify(lines)}`);
  assert.equal(lines.at(-1), "skein flow: done, 3 rules ran");
});

test("status line: an unchanged line is not drawn again", () => {
  let writes = 0;
  const line = new StatusLine({ write: () => writes++, rows: 10 });
  line.draw("same");
  line.draw("same");
  assert.equal(writes, 1);
  line.draw("other");
  assert.equal(writes, 2);
  line.resized();
  assert.equal(writes, 3, "a resize redraws");
});

test("status line: suspended (Ctrl-Z), the terminal has its whole screen; resumed, the bar takes the bottom row again", () => {
  const screen = new Screen(6, 40);
  const line = new StatusLine({ write: (text) => screen.write(onlcr(text)), rows: 6 });
  screen.write("$ skein flow w.mf\r\n");
  line.draw("[##--] 1/4");
  line.suspend();
  assert.ok(!line.holdsTerminal, "the scrolling region is reset while stopped");
  assert.equal(screen.rows[5]!.join("").trim(), "", "the bar is cleared");
  // the shell prints its job line and prompt, which scroll through the whole screen
  for (let i = 0; i < 7; i++) screen.write(`shell ${i}\r\n`);
  assert.equal(screen.rows[4]!.join("").trimEnd(), "shell 6", "the bottom rows are the shell's");
  line.resumed();
  assert.ok(line.holdsTerminal);
  assert.equal(screen.rows[5]!.join(""), "[##--] 1/4");
  for (let i = 0; i < 3; i++) screen.write(`out ${i}\r\n`);
  assert.equal(screen.rows[5]!.join(""), "[##--] 1/4", "output scrolls above the bar again");
});

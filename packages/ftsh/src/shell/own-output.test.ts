// ftsh's own output to a reader that does not read: deadlines still fire. Real processes, bounded.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { closeSync, constants, existsSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { exited, pollUntil, scratchDirectory, skeinBin, startFtsh } from "../../test/real-ftsh.ts";

/** A FIFO opened at both ends: the write end for ftsh's stdout, the read end kept but never read. */
function stalledPipe(dir: string): { writeFd: number; close: () => void } {
  const path = join(dir, "stalled.fifo");
  execFileSync("mkfifo", [path]);
  const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(path, constants.O_WRONLY);
  return {
    writeFd,
    close: () => {
      closeSync(readFd);
      closeSync(writeFd);
    },
  };
}

test("own output: echo into a pipe nobody reads is cancelled by its try's deadline, not frozen", async () => {
  const script = [
    "try for 2 seconds",
    "  for i in 1 .to. 100000",
    '    echo "a line long enough to fill a pipe quickly: $i ................................................"',
    "  end",
    "catch",
    "  exit 7",
    "end",
    "",
  ].join("\n");
  const { dir, remove } = scratchDirectory("own-output", { "s.ftsh": script });
  const pipe = stalledPipe(dir);
  try {
    const ftsh = startFtsh(["s.ftsh"], dir, ["ignore", pipe.writeFd, "pipe"]);
    let stderr = "";
    ftsh.stderr!.on("data", (chunk) => (stderr += chunk));
    const safety = setTimeout(() => ftsh.kill("SIGKILL"), 30_000);
    const startMs = performance.now();
    const { code, signal } = await exited(ftsh);
    clearTimeout(safety);
    assert.equal(signal, null, "ftsh ended by itself, not by the safety kill");
    assert.equal(code, 7, stderr);
    assert.ok(performance.now() - startMs < 20_000);
    assert.match(stderr, /s\.ftsh:3:5: writing to standard output was cancelled: the try's time limit passed/);
  } finally {
    pipe.close();
    remove();
  }
});

test("own output: echo to a terminal that is not read (Ctrl-S, a stalled pty) is cancelled by its try's deadline", async () => {
  // `script` gives ftsh a terminal and copies it to a pipe nobody reads; once that is full, it stops
  // reading the terminal. Node writes terminals synchronously: ftsh froze in write(2), deadline
  // and SIGTERM alike ignored.
  const script = "try for 2 seconds\n  for i in 1 .to. 100000\n    echo \"line $i ....................................\"\n  end\ncatch\n  exit 7\nend\n";
  const { dir, remove } = scratchDirectory("own-output-tty", { "s.ftsh": script });
  const pipe = stalledPipe(dir);
  const quoted = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;
  const command = `${quoted(process.execPath)} ${quoted(skeinBin)} ftsh s.ftsh 2>err.txt; echo $? > code.txt`;
  const terminal = spawn("script", ["-qec", command, "/dev/null"], { cwd: dir, stdio: ["ignore", pipe.writeFd, "ignore"] });
  try {
    const finished = await pollUntil(() => existsSync(join(dir, "code.txt")) && readFileSync(join(dir, "code.txt"), "utf8").endsWith("\n"), 25_000);
    assert.ok(finished, "ftsh ended within its deadline and some slack");
    assert.equal(readFileSync(join(dir, "code.txt"), "utf8"), "7\n");
    assert.match(readFileSync(join(dir, "err.txt"), "utf8"), /s\.ftsh:3:5: writing to standard output was cancelled: the try's time limit passed/);
  } finally {
    terminal.kill("SIGKILL"); // closes the terminal: a frozen ftsh gets EIO and ends
    pipe.close();
    remove();
  }
});

test("own output: what ftsh echoes and what its programs print next keep their order", async () => {
  const script = "for i in 1 .to. 200\n  echo ftsh $i\n  /bin/echo program $i\nend\n";
  const { dir, remove } = scratchDirectory("own-output-order", { "s.ftsh": script });
  try {
    const expected = Array.from({ length: 200 }, (_, i) => `ftsh ${i + 1}\nprogram ${i + 1}\n`).join("");
    // through a real pipe (reopened non-blocking) and through a socket pair (the thread pool)
    const quoted = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;
    const throughPipe = execFileSync("sh", ["-c", `${quoted(process.execPath)} ${quoted(skeinBin)} ftsh s.ftsh | cat`], { cwd: dir });
    assert.equal(throughPipe.toString(), expected);
    const ftsh = startFtsh(["s.ftsh"], dir, ["ignore", "pipe", "pipe"]);
    let stdout = "";
    ftsh.stdout!.on("data", (chunk) => (stdout += chunk));
    const closed = new Promise((resolve) => ftsh.stdout!.once("close", resolve));
    const { code } = await exited(ftsh);
    await closed;
    assert.equal(code, 0);
    assert.equal(stdout, expected);
  } finally {
    remove();
  }
});

// `skein ftsh` end to end: real processes and real time, through packages/cli/bin/skein.js.
// Real time is only ever asserted with generous bounds.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { processIsRunning } from "@skein/testkit";

const repository = new URL("../../../../", import.meta.url).pathname;
const skeinBin = join(repository, "packages/cli/bin/skein.js");
const workDir = mkdtempSync(join(tmpdir(), "skein-ftsh-"));
const binDir = join(workDir, "bin");
mkdirSync(binDir);
after(() => rmSync(workDir, { recursive: true, force: true }));

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/** Writes an executable stand-in program into the tests' bin directory (first on PATH). */
function installProgram(name: string, text: string): void {
  const path = join(binDir, name);
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/** A fresh directory for one test, holding its script and whatever the script writes. */
function scratch(name: string, files: Record<string, string> = {}): string {
  const dir = join(workDir, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const testPath = `${binDir}:${join(repository, "node_modules/.bin")}:${process.env.PATH}`;

/** Runs a command; a safety timeout kills it so that a broken test cannot hang the suite. */
function run(
  argv: string[],
  init: { cwd: string; env?: Record<string, string>; onSpawn?: (pid: number) => void },
): Promise<Finished> {
  const startMs = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: init.cwd,
    env: { ...process.env, PATH: testPath, ...init.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  if (child.pid !== undefined) init.onSpawn?.(child.pid);
  const safety = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) => {
    child.on("close", (code) => {
      clearTimeout(safety);
      resolve({ code, stdout, stderr, elapsedMs: performance.now() - startMs });
    });
  });
}

const ftsh = (args: string[], cwd: string, env?: Record<string, string>) =>
  run([process.execPath, skeinBin, "ftsh", ...args], { cwd, env });

/** Pids of running processes in process group `pgid` (Linux /proc; empty elsewhere). */
function runningInGroup(pgid: number): number[] {
  if (!existsSync("/proc/self/stat")) return [];
  return readdirSync("/proc")
    .filter((entry) => /^[0-9]+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(pgrp) === pgid && state !== "Z" && state !== "X" ? [Number(entry)] : [];
      } catch {
        return [];
      }
    });
}

function readPids(path: string): number[] {
  return readFileSync(path, "utf8").split(/\s+/).filter(Boolean).map(Number);
}

function logRecords(path: string): Array<Record<string, unknown>> {
  return readFileSync(path, "utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("skein ftsh: a hung command is killed at the try deadline with all its children", async () => {
  const dir = scratch("hang", {
    "hang.ftsh": `try for 2 seconds\n  sh -c 'echo $$ > pids; sleep 100 & echo $! >> pids; sleep 100'\nend\n`,
  });
  const finished = await ftsh(["--log", "log.jsonl", "hang.ftsh"], dir);
  assert.equal(finished.code, 1, finished.stderr);
  assert.ok(finished.elapsedMs >= 2000 && finished.elapsedMs < 30_000, `took ${finished.elapsedMs} ms`);
  assert.match(finished.stderr, /hang\.ftsh:2:3: sh was cancelled \(process group killed with SIGTERM\)/);
  assert.match(finished.stderr, /hang\.ftsh:1:1: try failed: gave up after 2000 ms/);
  const [shellPid, backgroundPid] = readPids(join(dir, "pids"));
  assert.ok(shellPid && backgroundPid, "the hung command wrote both pids");
  assert.equal(processIsRunning(shellPid), false, "the command itself is gone");
  assert.equal(processIsRunning(backgroundPid), false, "its background child is gone");
  assert.deepEqual(runningInGroup(shellPid), [], "nothing is left in its process group");
  const kill = logRecords(join(dir, "log.jsonl")).find((r) => r.event === "command");
  assert.equal(kill?.kind, "cancelled");
  assert.equal(kill?.killSignal, "SIGTERM");
});

test("skein ftsh: the issue's try script runs as written, retrying with bounded backoff", async () => {
  installProgram(
    "condor_submit",
    `#!/bin/sh
[ -f "$1" ] || { echo "condor_submit: no such file $1" >&2; exit 2; }
n=$(cat attempts 2>/dev/null || echo 0); n=$((n + 1)); echo $n > attempts
[ $n -ge 3 ] || { echo "condor_submit: schedd unreachable" >&2; exit 1; }
echo "1 job(s) submitted to cluster 42."
`,
  );
  const dir = scratch("condor", { "submit.ftsh": "try for 1 hour\ncondor_submit job.file\nend\n", "job.file": "" });
  const finished = await ftsh(["-l", "log.jsonl", "--backoff-initial", "0.2", "submit.ftsh"], dir);
  assert.equal(finished.code, 0, finished.stderr);
  assert.equal(finished.stdout, "1 job(s) submitted to cluster 42.\n");
  const records = logRecords(join(dir, "log.jsonl"));
  const delays = records.filter((r) => r.event === "try-delay").map((r) => r.delayMs as number);
  assert.equal(delays.length, 2);
  for (const [n, delayMs] of delays.entries()) {
    assert.ok(delayMs >= 200 * 2 ** n && delayMs <= 400 * 2 ** n, `delay ${n}: ${delayMs}`);
  }
  assert.deepEqual(
    records.filter((r) => r.event === "try-failure" || r.event === "try-success").map((r) => r.event),
    ["try-failure", "try-failure", "try-success"],
  );
});

/** Three loopback servers: one refusing connections, one that never answers, one serving. */
async function startServers(): Promise<{ refusing: string; hanging: string; serving: string; close: () => void }> {
  const listen = (server: Server) =>
    new Promise<string>((resolve) => server.listen(0, "127.0.0.1", () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)));
  const closed = createServer();
  const refusing = await listen(closed);
  await new Promise((resolve) => closed.close(resolve)); // nothing listens there any more
  const hangingServer = createServer(() => {}); // accepts, never responds
  const servingServer = createServer((request, response) => response.end(`myfile via ${request.url}\n`));
  const hanging = await listen(hangingServer);
  const serving = await listen(servingServer);
  return {
    refusing,
    hanging,
    serving,
    close: () => {
      hangingServer.closeAllConnections();
      hangingServer.close();
      servingServer.close();
    },
  };
}

/** A wget stand-in: saves the URL's body under its base name; WGET_TIMEOUT_S like wget -T. */
const wgetStandIn = `#!/usr/bin/env node
const { get } = require("node:http");
const { writeFileSync, appendFileSync } = require("node:fs");
appendFileSync("wget-pids", process.pid + "\\n");
const url = new URL(process.argv[2]);
const request = get(url, (response) => {
  const chunks = [];
  response.on("data", (chunk) => chunks.push(chunk));
  response.on("end", () => {
    writeFileSync(url.pathname.split("/").pop(), Buffer.concat(chunks));
    process.exit(response.statusCode === 200 ? 0 : 8);
  });
});
request.on("error", (error) => { console.error("wget: " + error.message); process.exit(4); });
const timeoutS = Number(process.env.WGET_TIMEOUT_S || 0);
if (timeoutS > 0) request.setTimeout(timeoutS * 1000, () => { console.error("wget: read timed out"); process.exit(4); });
`;

test("skein ftsh: the issue's forany script picks the third of three servers (refusing, hanging, serving)", async () => {
  installProgram("wget", wgetStandIn);
  const servers = await startServers();
  try {
    const script = "forany server in X, Y, Z\nwget http://$server/myfile\nend\n";
    const withHosts = script.replace("X, Y, Z", `${servers.refusing}, ${servers.hanging}, ${servers.serving}`);
    const dir = scratch("forany", { "fetch.ftsh": `${withHosts}echo "got it from $server"\n` });
    const finished = await ftsh(["fetch.ftsh"], dir, { WGET_TIMEOUT_S: "1" });
    assert.equal(finished.code, 0, finished.stderr);
    assert.equal(finished.stdout, `got it from ${servers.serving}\n`);
    assert.equal(readFileSync(join(dir, "myfile"), "utf8"), "myfile via /myfile\n");
    assert.match(finished.stderr, /ECONNREFUSED/);
    assert.match(finished.stderr, /read timed out/);
  } finally {
    servers.close();
  }
});

test("skein ftsh: forany with a try inside cuts off a hung alternative and moves on", async () => {
  installProgram("wget", wgetStandIn);
  const servers = await startServers();
  try {
    const dir = scratch("forany-try", {
      "fetch.ftsh": `forany server in ${servers.hanging} ${servers.serving}\n  try for 2 seconds\n    wget http://$server/myfile\n  end\nend\n`,
    });
    const finished = await ftsh(["fetch.ftsh"], dir); // this wget never times out by itself
    assert.equal(finished.code, 0, finished.stderr);
    assert.ok(finished.elapsedMs >= 2000, `took ${finished.elapsedMs} ms`);
    assert.equal(readFileSync(join(dir, "myfile"), "utf8"), "myfile via /myfile\n");
    const [hungPid] = readPids(join(dir, "wget-pids"));
    assert.equal(processIsRunning(hungPid!), false, "the hung wget was killed");
  } finally {
    servers.close();
  }
});

test("skein ftsh: forall stops the running siblings when one branch fails", async () => {
  const dir = scratch("forall", {
    "all.ftsh": `forall n in 1 2 3
  sh -c 'echo $$ >> pids; if [ "$0" = 2 ]; then until [ $(wc -l < pids) -ge 3 ]; do sleep 0.1; done; exit 7; fi; sleep 100' $n
end
echo never
`,
  });
  const finished = await ftsh(["all.ftsh"], dir);
  assert.equal(finished.code, 1);
  assert.equal(finished.stdout, "");
  assert.ok(finished.elapsedMs < 30_000, `took ${finished.elapsedMs} ms`);
  assert.match(finished.stderr, /all\.ftsh:1:1: forall n: branch n=2 failed; stopped n=1, n=3/);
  const pids = readPids(join(dir, "pids"));
  assert.equal(pids.length, 3);
  for (const pid of pids) assert.equal(processIsRunning(pid), false, `pid ${pid} is gone`);
});

test("skein ftsh: a syntax error runs nothing and names file:line:column", async () => {
  const dir = scratch("syntax", { "bad.ftsh": "touch ran-anyway\ntry for 5 fortnights\n  echo x\nend\n" });
  const finished = await ftsh(["bad.ftsh"], dir);
  assert.equal(finished.code, 2);
  assert.equal(
    finished.stderr,
    "bad.ftsh:2:11: expected 'times', 'seconds', 'minutes', 'hours' or 'days' after the amount, found 'fortnights'\n",
  );
  assert.equal(existsSync(join(dir, "ran-anyway")), false);
  const parseOnly = await ftsh(["--parse-only", "bad.ftsh"], dir);
  assert.equal(parseOnly.code, 2);
});

test("skein ftsh: a #!/usr/bin/env -S skein ftsh script runs with its arguments", async () => {
  const dir = scratch("shebang", { "hello": "#!/usr/bin/env -S skein ftsh\necho \"hello $1, $# args\"\nexit 5\n" });
  chmodSync(join(dir, "hello"), 0o755);
  const finished = await run([join(dir, "hello"), "world", "-x"], { cwd: dir });
  assert.equal(finished.stdout, "hello world, 2 args\n", finished.stderr);
  assert.equal(finished.code, 5);
});

test("skein ftsh: usage errors and unreadable scripts exit 2 with a message", async () => {
  const dir = scratch("usage");
  const missing = await ftsh(["nope.ftsh"], dir);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read script nope\.ftsh/);
  const directory = await ftsh([dir], dir);
  assert.equal(directory.code, 2);
  assert.match(directory.stderr, /cannot read script .*: it is a directory/);
  assert.doesNotMatch(directory.stderr, /^\s+at /m);
  const noScript = await ftsh([], dir);
  assert.equal(noScript.code, 2);
  assert.match(noScript.stderr, /missing SCRIPT/);
  const badFlag = await ftsh(["--kill-timeout", "soon", "x.ftsh"], dir);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /--kill-timeout must be a number/);
  // 1e308 seconds is a finite number but Infinity in ms: every try refused it when it started
  const huge = await ftsh(["--backoff-initial", "1e308", "x.ftsh"], dir);
  assert.equal(huge.code, 2);
  assert.match(huge.stderr, /^skein ftsh: --backoff-initial must be a number from 0 to 31622400, got '1e308'/);
  const fromEnvironment = await ftsh(["x.ftsh"], dir, { FTSH_EXPFACTOR: "0.5" });
  assert.equal(fromEnvironment.code, 2);
  assert.match(fromEnvironment.stderr, /^skein ftsh: FTSH_EXPFACTOR must be a number >= 1, got '0.5'/);
  // a device has no size to check first: it was read until memory ran out
  const endless = await ftsh(["/dev/zero"], dir);
  assert.equal(endless.code, 2);
  assert.match(endless.stderr, /^skein ftsh: script \/dev\/zero is more than 1048576 bytes, the limit\n/);
});

test("skein ftsh: SIGTERM to the shell kills what it runs and exits 143", async () => {
  const dir = scratch("sigterm", { "wait.ftsh": "sh -c 'echo $$ > pids; exec sleep 100'\n" });
  let shellPid = 0;
  const finishing = run([process.execPath, skeinBin, "ftsh", "wait.ftsh"], { cwd: dir, onSpawn: (pid) => (shellPid = pid) });
  for (let i = 0; i < 200 && !existsSync(join(dir, "pids")); i++) await new Promise((r) => setTimeout(r, 50));
  process.kill(shellPid, "SIGTERM");
  const finished = await finishing;
  assert.equal(finished.code, 143, finished.stderr);
  const [sleepPid] = readPids(join(dir, "pids"));
  assert.equal(processIsRunning(sleepPid!), false);
});

test("skein ftsh: output to a reader that went away or a full disk fails the script with a message, not a stack trace", async () => {
  const dir = scratch("broken-output", {
    "many.ftsh": "for i in 1 .to. 100000\n  echo line $i\nend\n",
    "full.ftsh": "echo hi > /dev/full\necho never\n",
    "hi.ftsh": "echo hi\n",
  });
  // head exits after one line; the echoes after it meet a closed pipe
  const skein = `'${process.execPath}' '${skeinBin}' ftsh`;
  const headed = await run(["sh", "-c", `(${skein} many.ftsh 2>err; echo $? > code) | head -1`], { cwd: dir });
  assert.equal(headed.stdout, "line 1\n");
  assert.equal(readFileSync(join(dir, "code"), "utf8"), "1\n");
  assert.match(readFileSync(join(dir, "err"), "utf8"), /^many\.ftsh:2:3: cannot write to standard output: broken pipe\n$/);
  if (!existsSync("/dev/full")) return;
  const full = await ftsh(["full.ftsh"], dir);
  assert.equal(full.code, 1);
  assert.equal(full.stderr, "full.ftsh:1:1: cannot write to the file it is redirected to: no space left on device\n");
  const fullLog = await ftsh(["--log", "/dev/full", "hi.ftsh"], dir);
  assert.equal(fullLog.code, 0);
  assert.equal(fullLog.stdout, "hi\n");
  assert.match(fullLog.stderr, /^skein ftsh: cannot write log file \/dev\/full: .*; logging stopped\n$/);
});

test("skein ftsh: a redirection from a FIFO nobody writes is cut by the try's deadline, and SIGTERM still ends ftsh", async () => {
  const dir = scratch("fifo", {
    "read.ftsh": "try for 1 second\n  cat < fifo\ncatch\n  echo gave up\nend\n",
    "write.ftsh": "echo started > started\necho hi > fifo\n",
  });
  const made = await run(["mkfifo", join(dir, "fifo")], { cwd: dir });
  assert.equal(made.code, 0, made.stderr);
  const read = await ftsh(["read.ftsh"], dir);
  assert.equal(read.code, 0, read.stderr);
  assert.equal(read.stdout, "gave up\n");
  assert.match(read.stderr, /^read\.ftsh:2:7: opening .*fifo was cancelled: the try's time limit passed\n/);
  assert.ok(read.elapsedMs < 20_000, `took ${read.elapsedMs} ms`);
  // the open hung in a libuv thread that kept Node alive after SIGTERM
  let shellPid = 0;
  const finishing = run([process.execPath, skeinBin, "ftsh", "write.ftsh"], { cwd: dir, onSpawn: (pid) => (shellPid = pid) });
  for (let i = 0; i < 200 && !existsSync(join(dir, "started")); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200)); // let the open start waiting
  process.kill(shellPid, "SIGTERM");
  const written = await finishing;
  assert.equal(written.code, 143, written.stderr);
  assert.match(written.stderr, /^write\.ftsh:2:9: opening .*fifo was cancelled: ftsh was stopped by SIGTERM\n$/);
});

test("skein ftsh: a second SIGTERM kills a command that ignores the first at once, not after the kill timeout", async () => {
  const dir = scratch("second-signal", {
    "stubborn.ftsh": `sh -c 'echo $$ > pids; trap "echo got > termed" TERM; while :; do sleep 0.1; done'\n`,
  });
  let shellPid = 0;
  const startMs = performance.now();
  const finishing = run([process.execPath, skeinBin, "ftsh", "--kill-timeout", "25", "stubborn.ftsh"], {
    cwd: dir,
    onSpawn: (pid) => (shellPid = pid),
  });
  const waitFor = async (file: string): Promise<void> => {
    for (let i = 0; i < 400 && !existsSync(join(dir, file)); i++) await new Promise((r) => setTimeout(r, 50));
  };
  await waitFor("pids");
  process.kill(shellPid, "SIGTERM");
  await waitFor("termed"); // the command got SIGTERM and ignored it
  process.kill(shellPid, "SIGTERM");
  const finished = await finishing;
  assert.equal(finished.code, 143, finished.stderr);
  assert.ok(performance.now() - startMs < 15_000, "did not wait out the 25 s kill timeout");
  assert.match(finished.stderr, /skein ftsh: SIGTERM again: killing what is left with SIGKILL\n/);
  assert.match(finished.stderr, /stubborn\.ftsh:1:1: sh was cancelled \(process group killed with SIGKILL\): ftsh was stopped by SIGTERM/);
  const [shPid] = readPids(join(dir, "pids"));
  assert.equal(processIsRunning(shPid!), false);
  assert.deepEqual(runningInGroup(shPid!), []);
});

test("skein ftsh: a wide forall whose siblings are all cancelled at once prints nothing but its failure", async () => {
  const dir = scratch("wide-cancel", {
    "wide.ftsh": `forall i in 1 .to. 20\n  if $i .eql. 20\n    sh -c "sleep 1; exit 1"\n  end\n  sh -c "sleep 30"\nend\n`,
  });
  const finished = await ftsh(["wide.ftsh"], dir);
  assert.equal(finished.code, 1);
  // every group being terminated listened on one signal: Node's MaxListenersExceededWarning
  assert.doesNotMatch(finished.stderr, /Warning/);
  assert.match(finished.stderr, /wide\.ftsh:1:1: forall i: branch i=20 failed; stopped i=1, /);
});

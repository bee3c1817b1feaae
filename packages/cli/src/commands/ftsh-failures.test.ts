// `skein ftsh` end to end: programs that cannot start or will not stop. Real processes, bounded.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

const repository = new URL("../../../../", import.meta.url).pathname;
const skeinBin = join(repository, "packages/cli/bin/skein.js");
const workDir = mkdtempSync(join(tmpdir(), "skein-ftsh-failures-"));
after(() => rmSync(workDir, { recursive: true, force: true }));

/** A fresh directory for one test, holding its script. */
function scratch(name: string, files: Record<string, string>): string {
  const dir = join(workDir, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** Runs `skein ftsh args` in `cwd`; a safety timeout kills it so a broken test cannot hang. */
function ftsh(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [skeinBin, "ftsh", ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const safety = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.on("close", (code) => {
      clearTimeout(safety);
      resolve({ code, stdout, stderr });
    }),
  );
}

test("skein ftsh: a program whose arguments exceed the system's limit is said plainly", async () => {
  const dir = scratch("e2big", {
    "big.ftsh": `sh -c "head -c 3000000 /dev/zero | tr '\\\\0' a" -> big\n/bin/echo "$big"\n`,
  });
  const finished = await ftsh(["big.ftsh"], dir);
  assert.equal(finished.code, 1);
  assert.equal(
    finished.stderr,
    "big.ftsh:2:1: /bin/echo could not be started: its arguments and environment are longer than the system allows (E2BIG)\n",
  );
});

test("skein ftsh: a program run after its working directory was removed blames the directory, not the program", async () => {
  const dir = scratch("gone", { "gone.ftsh": "cd here\nrmdir ../here\nls\n" });
  mkdirSync(join(dir, "here"));
  const finished = await ftsh(["gone.ftsh"], dir);
  assert.equal(finished.code, 1);
  assert.equal(finished.stderr, `gone.ftsh:3:1: ls could not be started: its working directory ${join(dir, "here")} does not exist\n`);
});

test("skein ftsh: a stopped command is cancelled by SIGTERM (with SIGCONT), not left to the kill timeout", async () => {
  const dir = scratch("stopped", { "stop.ftsh": `try for 1 second\n  sh -c 'kill -STOP $$; echo continued'\nend\n` });
  const startMs = performance.now();
  const finished = await ftsh(["--kill-timeout", "25", "stop.ftsh"], dir);
  assert.equal(finished.code, 1);
  assert.ok(performance.now() - startMs < 15_000, "did not wait out the 25 s kill timeout");
  assert.match(finished.stderr, /^stop\.ftsh:2:3: sh was cancelled \(process group killed with SIGTERM\): the try's time limit passed\n/);
});

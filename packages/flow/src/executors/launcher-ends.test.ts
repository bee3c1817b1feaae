// The ends of commands and of launchers: a launcher that dies mid-answer, and background
// children of a command that ended (process-launcher.test.ts has the rest).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { processIsRunning } from "@skein/testkit";
import { launcherProgram } from "./launcher-program.ts";
import { type CommandExit, ProcessLauncher } from "./process-launcher.ts";
import { temporaryDirectories } from "../../test/temporary.ts";

const temporary = temporaryDirectories("skein-launcher-ends-");
const kinds = ["c", "perl", "node"] as const;
/** Why a launcher cannot be tested here, or undefined. */
const missing = (kind: (typeof kinds)[number]) => (kind === "node" || launcherProgram(kind) ? undefined : `no ${kind === "c" ? "C compiler" : "perl"} on this machine`);
/** An exit without its measured run time. */
const bare = (exit: CommandExit | undefined) => exit && { code: exit.code, signal: exit.signal };

test("launcher: an answer cut short by a launcher's death does not garble the next launcher's first answer", async () => {
  // A stand-in launcher: its first start dies after writing half an answer ("E\t9", no status,
  // no newline); the next answers its one request. The half line prefixed that answer, which
  // then named no command ("9E"), and the second command's exit was never reported.
  const root = temporary();
  const script = join(root, "stand-in.sh");
  writeFileSync(script, `printf 'H\\n' >&3\nif [ ! -e "$1/started" ]; then : > "$1/started"; read line; printf 'E\\t9' >&3; exit 1; fi\nread line; id=$(printf '%s' "$line" | cut -f2); printf 'E\\t%s\\t0\\n' "$id" >&3; read rest\n`);
  const exits = new Map<number, CommandExit>();
  const waiters = new Map<number, () => void>();
  const exited = (id: number) => new Promise<string>((resolve) => (exits.has(id) ? resolve("exited") : waiters.set(id, () => resolve("exited"))));
  const timeout = () => new Promise<string>((resolve) => setTimeout(() => resolve("timed out"), 5_000));
  const launcher = new ProcessLauncher({
    directory: root,
    stdout: "ignore",
    program: { kind: "perl", command: "/bin/sh", args: [script, root] },
    exited: (id, exit) => {
      exits.set(id, exit);
      waiters.get(id)?.();
    },
  });
  try {
    launcher.run({ id: 1, command: "true", environment: {} });
    assert.equal(await Promise.race([exited(1), timeout()]), "exited");
    assert.match(String(exits.get(1)!.lost), /launcher process died/);
    launcher.run({ id: 2, command: "true", environment: {} });
    assert.equal(await Promise.race([exited(2), timeout()]), "exited");
    assert.deepEqual(bare(exits.get(2)), { code: 0, signal: null });
  } finally {
    await launcher.close();
  }
});

for (const kind of kinds) {
  test(`launcher (${kind}): with killGroupAtExit, what a command left running in the background dies when it ends`, { skip: missing(kind) }, async () => {
    // A worker's task must not outlive itself: a `sleep &` kept writing into a sandbox that a
    // later task reuses, or into a cached input. Without the option (local runs, as make) it lives on.
    const root = temporary();
    const run = (killGroupAtExit: boolean, name: string) =>
      new Promise<number>((resolve) => {
        const launcher = new ProcessLauncher({
          directory: root,
          stdout: "ignore",
          kind,
          coresMax: 2,
          killGroupAtExit,
          exited: () => {
            launcher.close();
            resolve(Number(readFileSync(join(root, name), "utf8")));
          },
        });
        launcher.run({ id: 1, command: `sleep 60 & echo $! > ${name}`, environment: {} });
      });
    const kept = await run(false, "kept");
    const killed = await run(true, "killed");
    try {
      for (let i = 0; i < 200 && processIsRunning(killed); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(processIsRunning(killed), false, "the background child of a command run with killGroupAtExit is gone");
      assert.equal(processIsRunning(kept), true, "without it, a background child lives on");
    } finally {
      for (const pid of [kept, killed]) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      }
    }
  });
}

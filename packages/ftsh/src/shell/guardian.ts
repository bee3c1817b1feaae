// skein-io-adapter: starts the guardian process that outlives a killed ftsh.
/**
 * The guardian: what ftsh cannot do when it is killed with SIGKILL (or the OOM killer), a tiny
 * `sh` started once per ftsh does for it. ftsh tells it, through a pipe only ftsh holds, the
 * process group of every program it starts (`+PGID`) and of every one that has ended
 * (`-PGID`). When the pipe closes — ftsh exited, normally or not — the guardian terminates the
 * groups still listed, as a cancellation would: SIGTERM (with SIGCONT), then SIGKILL after the
 * kill timeout. After a normal end the list is empty and it leaves at once.
 *
 * It runs in a session of its own (so Ctrl-C at the terminal or a signal to ftsh's process group
 * does not reach it) with no stdout or stderr (so a reader of ftsh's output never waits for it).
 * Pipes Node creates are close-on-exec: the programs ftsh starts do not hold the guardian's pipe,
 * so its end is seen when ftsh dies, however long they run. Without /bin/sh ftsh works as before.
 * Same idea as flow's `flow-guard` (packages/flow/src/executors/launcher.c).
 */
import { type ChildProcess, spawn } from "node:child_process";

/** Pause between checks while the guardian waits for the groups to exit (the script's `sleep`). */
const guardianPollMs = 100;

/** The guardian's program; $1 = kill timeout in polls. Lines: +PGID (watch), -PGID (ended). */
const guardianScript = `
trap '' INT HUP QUIT TSTP TTIN TTOU PIPE
set -f
groups=" "
while IFS= read -r line; do
  case $line in
    +*) groups="$groups\${line#+} " ;;
    -*) g=\${line#-}
        case $groups in *" $g "*) groups="\${groups%% $g *} \${groups#* $g }" ;; esac ;;
  esac
done
[ "$groups" = " " ] && exit 0
for g in $groups; do kill -s TERM -- -$g 2>/dev/null; kill -s CONT -- -$g 2>/dev/null; done
polls=0
while [ "$polls" -lt "$1" ]; do
  alive=
  for g in $groups; do kill -s 0 -- -$g 2>/dev/null && alive="$alive $g"; done
  [ -z "$alive" ] && exit 0
  groups=$alive
  sleep ${guardianPollMs / 1000}
  polls=$((polls + 1))
done
for g in $groups; do kill -s KILL -- -$g 2>/dev/null; done
`;

export interface Guardian {
  /** A program now leads process group `pgid`: terminate it if ftsh dies. */
  watch(pgid: number): void;
  /** Group `pgid` has ended (or was terminated by ftsh itself). */
  forget(pgid: number): void;
}

/** Starts the guardian; `killGraceMs` is its SIGTERM → SIGKILL grace. */
export function startGuardian(killGraceMs: number): Guardian {
  let child: ChildProcess | undefined;
  try {
    const polls = String(Math.ceil(killGraceMs / guardianPollMs));
    child = spawn("/bin/sh", ["-c", guardianScript, "ftsh-guardian", polls], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
      cwd: "/", // it must not keep the script's directory (or its file system) busy
    });
  } catch {
    child = undefined;
  }
  const stdin = child?.stdin;
  child?.on("error", () => {}); // no /bin/sh: ftsh goes on without a guardian
  stdin?.on("error", () => {}); // the guardian died: nothing to tell any more
  // neither keeps ftsh running: it ends when its script does, and the guardian then sees the end
  child?.unref();
  (stdin as { unref?: () => void } | undefined)?.unref?.();
  const send = (line: string): void => {
    if (stdin && !stdin.destroyed) stdin.write(line);
  };
  return {
    watch: (pgid) => send(`+${pgid}\n`),
    forget: (pgid) => send(`-${pgid}\n`),
  };
}

// skein-io-adapter: writes over-long commands to script files for the launcher.
/**
 * Linux refuses a single exec argument over 128 KiB (MAX_ARG_STRLEN), so `sh -c <command>`
 * fails with E2BIG for a long command line. A command longer than `inlineCharsMax` is written
 * to a private script file and run as `exec /bin/sh <file>` — the same shell, the same
 * semantics, no length limit. Each file is removed when its command ends.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Longest command, in UTF-8 bytes, passed inline to `sh -c` (well under the kernel's 128 KiB per argument). */
export const COMMAND_INLINE_CHARS_MAX = 64 * 1024;

/** Whether `command` is at most `bytesMax` bytes of UTF-8; short ones are not measured (3 bytes a UTF-16 unit at most). */
function fitsInline(command: string, bytesMax: number): boolean {
  return command.length * 3 <= bytesMax || (command.length <= bytesMax && Buffer.byteLength(command) <= bytesMax);
}

export class CommandScripts {
  private directory: string | undefined;
  private readonly files = new Map<number, string>();

  constructor(private readonly inlineCharsMax = COMMAND_INLINE_CHARS_MAX) {}

  /** The command to run for task `id`: itself, or one that runs its script file. */
  wrap(id: number, command: string): string {
    if (fitsInline(command, this.inlineCharsMax)) return command;
    this.directory ??= mkdtempSync(join(tmpdir(), "skein-commands-"));
    const file = join(this.directory, `${id}.sh`);
    writeFileSync(file, command, { mode: 0o600 });
    this.files.set(id, file);
    return `exec /bin/sh '${file.replace(/'/g, "'\\''")}'`;
  }

  /** The task's command ended (or will never run): its script goes. */
  release(id: number): void {
    const file = this.files.get(id);
    if (file === undefined) return;
    this.files.delete(id);
    rmSync(file, { force: true });
  }

  close(): void {
    if (this.directory) rmSync(this.directory, { recursive: true, force: true });
    this.directory = undefined;
    this.files.clear();
  }
}

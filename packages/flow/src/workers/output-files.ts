// skein-io-adapter: writes the outputs a worker sent into place on the master.
/**
 * How an output from a worker lands: an empty file is created in place (it cannot be seen half
 * written), anything else is written under its staging name with exactly the worker's mode and
 * renamed over its target when the result arrives (`worker-connection.ts`).
 */
import { closeSync, constants, fchmodSync, openSync, renameSync, rmSync, writeFileSync } from "node:fs";

const createOnly = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Creates an empty file where none is; false if anything is in the way (it takes the rename path). */
export function createEmpty(path: string, mode: number): boolean {
  let fd: number;
  try {
    fd = openSync(path, createOnly, mode);
  } catch {
    return false; // a file, link or directory there, or a missing parent
  }
  try {
    fchmodSync(fd, mode); // exactly the worker's bits, whatever this process's umask
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Puts a staged output in place of its target: the staging path (emptied when the attempt began) is never merged into it. */
export function replace(staged: string, target: string): void {
  try {
    renameSync(staged, target); // replaces a file in one step
  } catch {
    rmSync(target, { recursive: true, force: true }); // a directory, or a file where one was
    renameSync(staged, target);
  }
}

/** Writes a whole file with exactly `mode` (not `mode` less the umask, nor the mode of a file already there). */
export function writeWithMode(path: string, content: Buffer, mode: number): void {
  const fd = openSync(path, "w", mode);
  try {
    writeFileSync(fd, content);
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

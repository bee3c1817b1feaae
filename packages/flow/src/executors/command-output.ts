// skein-io-adapter: reads the end of a task's captured output file.
/**
 * A failing task's report carries the end of what its command printed, when the back end
 * captured it (workers, Slurm): the master prints it under the failure, so the user sees why
 * a remote command failed without logging in to the machine that ran it. Local commands print
 * on the master's terminal as they run and need no copy.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** Bytes of a failing command's output kept in its report (the end of it). */
export const failureOutputBytesMax = 4_096;

/** The last `failureOutputBytesMax` bytes of the file, or undefined when it is missing or empty. */
export function outputTail(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, failureOutputBytesMax);
    if (length === 0) return undefined;
    const bytes = Buffer.alloc(length);
    readSync(fd, bytes, 0, length, size - length);
    return `${size > length ? "…" : ""}${bytes.toString("utf8")}`;
  } finally {
    closeSync(fd);
  }
}

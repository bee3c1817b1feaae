import { makeDirectories } from "@skein/net/fs";
import { UsageError } from "./command.ts";

/**
 * Makes the directory a flag names (and its missing parents) before any work starts, so a
 * path where it cannot be made is a usage error naming the flag, the path and the reason.
 */
export function directoryOption(path: string, flag: string): string {
  try {
    makeDirectories(path);
  } catch (error) {
    throw new UsageError(`${flag} ${path}: cannot make this directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return path;
}

// skein-io-adapter: looks at a command's working directory when the command could not start.
import { statSync } from "node:fs";

/**
 * Why no command can run in `directory`, or undefined when one can: `working directory /w/d does
 * not exist` (removed during the run), `… is not a directory`, `… cannot be read (EACCES)`.
 */
export function missingDirectory(directory: string): string | undefined {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(directory, { throwIfNoEntry: false });
  } catch (error) {
    return `working directory ${directory} cannot be read (${(error as NodeJS.ErrnoException).code})`;
  }
  if (stat?.isDirectory()) return undefined;
  return `working directory ${directory} ${stat === undefined ? "does not exist" : "is not a directory"}`;
}

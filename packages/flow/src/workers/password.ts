// skein-io-adapter: reads the workers' password file.
import { readFileSync } from "node:fs";

/** The password in `file` (surrounding whitespace trimmed), or undefined without a file. */
export function readPassword(file: string | undefined): string | undefined {
  return file === undefined ? undefined : readFileSync(file, "utf8").trim();
}

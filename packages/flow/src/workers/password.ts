// skein-io-adapter: reads the workers' password file.
import { readFileSync } from "node:fs";

/** A password file that cannot be used: missing, unreadable or empty. */
export class PasswordFileError extends Error {
  override readonly name = "PasswordFileError";
}

/**
 * The password in `file` (surrounding whitespace trimmed), or undefined without a file. Throws
 * `PasswordFileError` naming the file when it cannot be read or holds no password: an empty
 * one would let any worker prove it.
 */
export function readPassword(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new PasswordFileError(`password file ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : message}`);
  }
  const password = text.trim();
  if (password === "") throw new PasswordFileError(`password file ${file} is empty`);
  return password;
}

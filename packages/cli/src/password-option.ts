import { PasswordFileError, readPassword } from "@skein/flow";
import { UsageError } from "./command.ts";

/** `--password-file F`: its password, or a usage error naming the file and what is wrong with it. */
export function passwordOption(file: string | undefined): string | undefined {
  try {
    return readPassword(file);
  } catch (error) {
    if (error instanceof PasswordFileError) throw new UsageError(error.message);
    throw error;
  }
}

/**
 * Commands simple enough to exec without `/bin/sh`, as GNU make does: the launchers (launcher.c,
 * launcher.pl) run their words directly.
 */

/** Words that need the shell even in a command without shell syntax. */
const shellWords = new Set(["cd", "exit", "export", "set", "unset", ".", "source", "eval", "exec", "alias", "read", "wait", "trap", "ulimit", "umask", "if", "for", "while", "case", "until", "shift", "return", "local", "type", "command", "hash", "times", "getopts", "readonly", "break", "continue", "!", "{", "}"]);

/** Words of a command the launchers exec directly (launcher.c's ARGV_WORDS_MAX); longer ones run through `/bin/sh`. */
export const argvWordsMax = 4095;

/**
 * The argument vector of a command simple enough to run without `/bin/sh` (only plain words,
 * no quotes, variables, redirections, globs or operators, at most `argvWordsMax`), or undefined.
 */
export function simpleArgv(command: string): string[] | undefined {
  if (!/^[A-Za-z0-9_\-+=.,/:@% ]+$/.test(command)) return undefined;
  const words = command.split(" ").filter((w) => w !== "");
  if (words.length === 0 || words.length > argvWordsMax || shellWords.has(words[0]!) || words[0]!.includes("=")) return undefined;
  return words;
}

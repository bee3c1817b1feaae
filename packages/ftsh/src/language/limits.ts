/**
 * Limits of the ftsh language and interpreter. Each bounds a resource a script could otherwise
 * exhaust by mistake (or on purpose); exceeding one is a clear error, never a crash or a hang.
 */

/** Largest script file accepted, in bytes (1 MiB). */
export const scriptBytesMax = 1024 * 1024;

/** Deepest nesting of blocks (try, if, for…) and parenthesised expressions. */
export const nestingDepthMax = 64;

/**
 * Most operators in one expression (a call's arguments and parenthesised parts included). A
 * chain `1 .add. 1 .add. …` is a tree as deep as it is long, evaluated recursively.
 */
export const expressionOperatorsMax = 1000;

/** Deepest chain of function calls; the manual: "ftsh aborts recursive function calls deeper than 1000 steps". */
export const callDepthMax = 1000;

/** Most arguments of one command after expansion (and most script arguments). */
export const argumentsMax = 10_000;

/** Most items in a `for`, `forany` or `forall` list after expansion (and in a `.to.` range). */
export const listItemsMax = 100_000;

/** Most parallel branches of one `forall`. */
export const forallBranchesMax = 1024;

/**
 * Default bound on programs running at once in one ftsh, over all foralls (`--jobs`); more wait
 * for a slot.
 */
export const runningCommandsMaxDefault = 256;

/** Largest `--jobs`. */
export const runningCommandsMaxLimit = 65_536;

/** Most commands waiting for a running slot at once; one more is a failure of that command. */
export const runningCommandsWaitingMax = 100_000;

/** Largest value of a variable, in bytes: bounds what `->` captures from a command (16 MiB). */
export const variableBytesMax = 16 * 1024 * 1024;

/**
 * Most bytes of ftsh's own output (echo, failure messages) waiting for a reader that does not
 * read; writers beyond it wait for room (1 MiB).
 */
export const ownOutputBytesMax = 1024 * 1024;

/** Largest log file written by `--log`, in bytes (64 MiB); past it one final record says so. */
export const logBytesMax = 64 * 1024 * 1024;

/** Largest `N times` of a `try` header. */
export const tryTimesMax = 1_000_000_000;

/** Longest time limit or period in a `try` header (366 days). */
export const tryDurationMsMax = 366 * 24 * 60 * 60 * 1000;

/** Default grace period between SIGTERM and SIGKILL when cancelling a command (the manual's 30 s). */
export const killGraceMsDefault = 30_000;

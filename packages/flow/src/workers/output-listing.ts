// skein-io-adapter: lists a finished task's declared outputs in its sandbox, never leaving it.
/**
 * What a worker sends back of a task's declared outputs: files and directory trees inside its
 * sandbox. A symbolic link the command made is followed when it leads to a file or directory
 * inside the sandbox (its content goes back, as a copy: `ln -s result.txt out` makes `out`),
 * and is a problem otherwise: a link out of the sandbox (the worker never sends back files
 * from elsewhere on its machine, nor would the link mean anything on the master's), a link to
 * nothing, and a link to a directory that contains it (a tree without end). A FIFO, socket or
 * device is a problem too: reading a FIFO would wait for a writer for ever. An output with a
 * problem fails the task, with the problem as its reason; no file of it is sent.
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync, type Stats, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { shippedMode } from "./file-modes.ts";

/** Files and directories one task's outputs may have in all (each is a frame, or an inline entry). */
export const outputEntriesMax = 1_000_000;
/** Problems named in a result (the first ones; a tree may have many bad links). */
export const outputProblemsMax = 10;
/**
 * Files, directories and links examined per turn of the event loop (`listOutputsInTurns`). A
 * task may leave 200 000 small files: listed in one walk they held the worker's loop for
 * seconds, no heartbeat left, and its master came close to dropping it as silent.
 */
export const outputEntriesPerTurnMax = 256;

export interface ListedOutput {
  /** Name in the sandbox, as the master declared it (and the paths under it). */
  readonly name: string;
  /** Where to read it: the file itself, or the file a link inside the sandbox leads to. */
  readonly path: string;
  readonly size: number;
  /** Permission bits, as shipped (`file-modes.ts`). */
  readonly mode: number;
  readonly directory: boolean;
}

export interface OutputListing {
  /** Every file and directory to send, each directory before what is in it. */
  readonly entries: ListedOutput[];
  /** Bytes of every file in `entries`. */
  readonly bytes: number;
  /** Declared outputs the command did not create. */
  readonly missing: string[];
  /** Why outputs cannot be sent (then `entries` is empty). */
  readonly problems: string[];
}

/** Lists the declared outputs `outputs` of a task that ran in `sandbox`, in one walk (throws what the file system throws). */
export function listOutputs(sandbox: string, outputs: readonly string[]): OutputListing {
  const walk = listingSteps(sandbox, outputs);
  for (;;) {
    const step = walk.next();
    if (step.done) return step.value;
  }
}

/** Waits for a later turn of the event loop. */
export type ListingTurn = () => Promise<void>;
const nextTurn: ListingTurn = () => new Promise((resolve) => setImmediate(resolve));

export interface ListingInTurnsInit {
  /** Waits between batches (default: the next turn of the event loop). */
  readonly turn?: ListingTurn;
  /** Asked after each wait: true stops the listing (the task was aborted, the connection is gone); `done` hears undefined. */
  readonly cancelled?: () => boolean;
}

/**
 * Lists like `listOutputs`, `outputEntriesPerTurnMax` entries per turn of the event loop, and
 * gives `done` the listing (or what the file system threw, or undefined if it was cancelled): at
 * once, within this call, when it took one batch; in a later turn otherwise.
 */
export function listOutputsInTurns(sandbox: string, outputs: readonly string[], init: ListingInTurnsInit, done: (listed: OutputListing | Error | undefined) => void): void {
  const walk = listingSteps(sandbox, outputs);
  const turn = init.turn ?? nextTurn;
  const batch = (): void => {
    let step: IteratorResult<void, OutputListing>;
    try {
      step = walk.next();
    } catch (error) {
      return done(error as Error);
    }
    if (step.done) return done(step.value);
    turn().then(() => {
      if (init.cancelled?.()) done(undefined);
      else batch();
    }, done);
  };
  batch();
}

/** The walk of `listOutputs`, pausing (a `yield`) after every `outputEntriesPerTurnMax` entries. */
function* listingSteps(sandbox: string, outputs: readonly string[]): Generator<void, OutputListing, void> {
  const root = realpathSync(sandbox);
  const entries: ListedOutput[] = [];
  const missing: string[] = [];
  const problems: string[] = [];
  let bytes = 0;
  const inside = (real: string) => real === root || real.startsWith(`${root}/`);
  const problem = (text: string) => {
    if (problems.length < outputProblemsMax) problems.push(text);
    return false;
  };
  let examined = 0;
  /** Adds `name` (at `path`, found with `found`) and what is in it; false on a problem. */
  const visit = function* (name: string, path: string, found: Stats, chain: readonly string[]): Generator<void, boolean, void> {
    if (++examined % outputEntriesPerTurnMax === 0) yield;
    let real = path;
    let stat = found;
    if (found.isSymbolicLink()) {
      try {
        real = realpathSync(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return problem(code === "ELOOP" ? `'${name}' is a loop of symbolic links` : `'${name}' is a symbolic link to nothing (${linkText(path)})`);
      }
      if (!inside(real)) return problem(`'${name}' is a symbolic link out of the worker's sandbox (${linkText(path)})`);
      stat = statSync(real);
    }
    if (stat.isFile()) {
      if (entries.length >= outputEntriesMax) return problem(`more than ${outputEntriesMax} files and directories`);
      entries.push({ name, path: real, size: stat.size, mode: shippedMode(stat), directory: false });
      bytes += stat.size;
      return true;
    }
    if (!stat.isDirectory()) return problem(`'${name}' is not a file or directory (${kindOf(stat)})`);
    // a directory that holds one already being listed (or is one) would be listed without end
    if (chain.some((entered) => entered === real || entered.startsWith(`${real}/`))) return problem(`'${name}' is a symbolic link to a directory that contains it`);
    if (entries.length >= outputEntriesMax) return problem(`more than ${outputEntriesMax} files and directories`);
    entries.push({ name, path: real, size: 0, mode: shippedMode(stat), directory: true });
    const within = [...chain, real];
    for (const child of readdirSync(real).sort()) {
      if (!(yield* visit(`${name}/${child}`, join(real, child), lstatSync(join(real, child)), within))) return false;
    }
    return true;
  };
  for (const name of outputs) {
    const path = join(sandbox, name);
    const found = lstatSync(path, { throwIfNoEntry: false });
    if (!found) {
      missing.push(name);
      continue;
    }
    // `sub/out` where the command made `sub` a link: the real directory it is in must be inside too
    let parent: string;
    try {
      parent = realpathSync(dirname(path));
    } catch {
      parent = "";
    }
    if (!inside(parent)) problem(`'${name}' is in a symbolic link out of the worker's sandbox`);
    else yield* visit(name, join(parent, name.slice(name.lastIndexOf("/") + 1)), found, [parent]);
  }
  return problems.length > 0 ? { entries: [], bytes: 0, missing, problems } : { entries, bytes, missing, problems };
}

/** What a link says, for a message. */
function linkText(path: string): string {
  try {
    return `to ${readlinkSync(path)}`;
  } catch {
    return "unreadable";
  }
}

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isSocket()) return "a socket";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  return "not a regular file";
}

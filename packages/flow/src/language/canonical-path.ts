/**
 * One name per file in the DAG. A path is normalized where it is read (`./a/` is `a`), then
 * resolved, as a string, against the workflow's directory: a file inside it is named by its
 * path relative to it (`/w/d/x`, `../w/d/x` and `d/x` are all `d/x` for a workflow in `/w`),
 * a file outside it by its normalized absolute path (`../data/in` is `/data/in`). Without
 * this, one file written two ways was two files: two rules made it at once, and a rule reading
 * it did not wait for the rule making it.
 *
 * String-level on purpose: no file system access (parsing does no I/O, and a file need not
 * exist yet) and no symlink resolution (a command sees the path as written, and so does the
 * kernel, which resolves `..` after symlinks): only a leading `..`, which goes up from the
 * workflow's directory itself, is resolved; `a/../x` stays a name of its own, as upstream's. A path already relative and not starting with
 * `..` is inside and returned as it is, without a `resolve` per file: 100 000 rules pay nothing.
 *
 * The path as the user wrote it (normalized) is kept in `FileReference.written` when it differs,
 * for messages and as the default remote name (so a worker sandbox sees what it saw before).
 */
import { posix } from "node:path";
import type { FileReference, SourceLocation } from "../workflow.ts";

/** Maps a normalized path to its name in the DAG. */
export type Canonical = (normalized: string) => string;

/** Without a directory (a workflow parsed on its own): paths stay as normalized. */
const unchanged: Canonical = (path) => path;

/**
 * Resolved paths remembered per workflow: one `../data/ref` read by 100 000 rules is resolved
 * once. Past this many, paths are resolved each time (still correct, a little slower).
 */
export const resolvedRememberedMax = 10_000;

/** Whether a normalized path may leave the directory or is absolute, so it needs resolving. */
function needsResolving(path: string): boolean {
  const first = path.charCodeAt(0);
  if (first === 47) return true; // "/"
  return first === 46 && leadsUp(path); // normalized: only a leading ".." is resolved
}

/** Whether a relative path starts with a `..` segment. */
function leadsUp(path: string): boolean {
  return path === ".." || path.startsWith("../");
}

/**
 * The absolute path of a normalized path from `root`: its leading `..` segments are resolved
 * against `root` (a real directory: `..` of it is its parent), the rest is kept as written, its
 * `..` after a name too (that name may be a symbolic link: see normalizePath).
 */
function absoluteFrom(root: string, path: string): string {
  if (path.charCodeAt(0) === 47) return path;
  let base = root;
  let rest = 0;
  while (leadsUp(path.slice(rest))) {
    base = posix.dirname(base);
    rest += 3;
  }
  if (rest >= path.length) return base;
  return base === "/" ? `/${path.slice(rest)}` : `${base}/${path.slice(rest)}`;
}

/**
 * The canonical names of files of a workflow in `directory` (an absolute path), or paths left as
 * normalized when `directory` is undefined.
 */
export function canonicalizer(directory: string | undefined): Canonical {
  if (directory === undefined) return unchanged;
  if (!posix.isAbsolute(directory)) throw new Error(`the workflow's directory must be an absolute path, not '${directory}'`);
  const root = posix.resolve(directory);
  const prefix = root === "/" ? "/" : `${root}/`;
  const resolved = new Map<string, string>();
  return (path) => {
    if (!needsResolving(path)) return path;
    let name = resolved.get(path);
    if (name !== undefined) return name;
    const absolute = absoluteFrom(root, path);
    const inside = absolute.startsWith(prefix) ? absolute.slice(prefix.length) : undefined;
    // `/w/../w/x` stays absolute: as a relative name its `..` would be resolved again
    name = absolute === root ? "." : inside !== undefined && inside !== "" && !leadsUp(inside) ? inside : absolute;
    if (resolved.size < resolvedRememberedMax) resolved.set(path, name);
    return name;
  };
}

/** A file named `written` (normalized), its remote name `remoteName` (default: as written). */
export function fileNamed(written: string, canonical: Canonical, location: SourceLocation, remoteName = written): FileReference {
  const path = canonical(written);
  return path === written ? { path, remoteName, location } : { path, remoteName, location, written };
}

/** The path of `file` as the workflow wrote it (normalized), for messages. */
export function writtenPath(file: FileReference): string {
  return file.written ?? file.path;
}

/** Whether `file` was given another name in the job's sandbox with `local->remote`. */
export function isRenamed(file: FileReference): boolean {
  return file.remoteName !== (file.written ?? file.path);
}

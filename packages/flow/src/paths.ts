/**
 * Paths of workflow files on this machine. A rule's paths are normalized when parsed (no `.`
 * or empty segments, no trailing slash; see language/file-words.ts), so joining one to the
 * workflow's absolute directory needs no `path.resolve` — which costs microseconds per call in
 * code that runs for every task — except for a path that still starts with `..` (or is `.`).
 * A `..` after a name is kept as written (`a/../x`: `a` may be a symbolic link).
 */
import { dirname } from "node:path";

/** `resolve(directory, path)` for an absolute `directory` and a normalized `path`. */
export function absolutePath(directory: string, path: string): string {
  if (path.charCodeAt(0) === 47) return path; // "/"
  if (path === ".") return directory;
  if (path === ".." || path.startsWith("../")) return upFrom(directory, path);
  return directory.length === 1 ? `/${path}` : `${directory}/${path}`;
}

/**
 * A path's leading `..` segments resolved from `directory`; a `..` after a name is left as
 * written, for the kernel (a name before it may be a symbolic link: language/file-words.ts).
 */
function upFrom(directory: string, path: string): string {
  let rest = 0;
  let up = directory;
  while (path.startsWith("../", rest) || (path.length === rest + 2 && path.endsWith(".."))) {
    up = dirname(up);
    rest += 3;
  }
  if (rest >= path.length) return up;
  return up.length === 1 ? `/${path.slice(rest)}` : `${up}/${path.slice(rest)}`;
}

/** Splits an absolute path into its directory and last name (`/a/b` → `/a`, `b`; `/a` → `/`, `a`). */
export function splitPath(path: string): { directory: string; name: string } {
  const slash = path.lastIndexOf("/");
  return { directory: slash === 0 ? "/" : path.slice(0, slash), name: path.slice(slash + 1) };
}

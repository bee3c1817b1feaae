/**
 * Paths of workflow files on this machine. A rule's paths are normalized when parsed (no `.`
 * or empty segments, no trailing slash; see language/file-words.ts), so joining one to the
 * workflow's absolute directory needs no `path.resolve` — which costs microseconds per call in
 * code that runs for every task — except for a path that still starts with `..` (or is `.`).
 */
import { resolve } from "node:path";

/** `resolve(directory, path)` for an absolute `directory` and a normalized `path`. */
export function absolutePath(directory: string, path: string): string {
  if (path.charCodeAt(0) === 47) return path; // "/"
  if (path.charCodeAt(0) === 46) return resolve(directory, path); // ".", "..", "../x", ".hidden"
  return directory.length === 1 ? `/${path}` : `${directory}/${path}`;
}

/** Splits an absolute path into its directory and last name (`/a/b` → `/a`, `b`; `/a` → `/`, `a`). */
export function splitPath(path: string): { directory: string; name: string } {
  const slash = path.lastIndexOf("/");
  return { directory: slash === 0 ? "/" : path.slice(0, slash), name: path.slice(slash + 1) };
}

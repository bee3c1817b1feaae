/**
 * A name inside a task sandbox must stay inside it: no absolute paths, no `..` segments, no
 * empty names or NUL bytes. Both the master (before sending) and the worker (before writing)
 * check every name; the worker does not trust the master's check.
 */
export function sandboxPathProblem(name: string): string | undefined {
  if (name === "" || name === ".") return "an empty name";
  if (name.includes("\0")) return "a NUL byte";
  if (name.startsWith("/")) return "an absolute path";
  if (name.split("/").includes("..")) return "a '..' segment";
  return undefined;
}

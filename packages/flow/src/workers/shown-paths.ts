/**
 * Reasons the master gives about its files (an input it cannot send, an output it cannot store)
 * reach its own terminal and, in a goodbye or a `dropped` frame, the worker's log on another
 * machine, where the master's absolute paths are noise. Files of the workflow's directory are
 * named as the workflow names them: relative to that directory.
 */

/** `text` with every path under `directory` (absolute) relative to it (`/home/u/proj/in` → `in`). */
export function shownPaths(text: string, directory: string): string {
  if (directory === "/" || directory === "") return text;
  return text.split(`${directory}/`).join("");
}

/**
 * Where a worker's outputs land on the master until the task's result arrives: beside each
 * declared target, under `.skein-part` (`worker-connection.ts` renames them into place), and
 * the checks of a result's inline outputs (`worker-outputs.ts`) against the declared ones.
 */
import { isFileMode } from "./file-modes.ts";
import { sandboxPathProblem } from "./sandbox-paths.ts";
import { type InlineOutput, inlineOutputBytesMax, inlineOutputEntriesMax } from "./worker-outputs.ts";

/** An inline output and where it lands. */
export type PlacedOutput = InlineOutput & { root: string; path: string };

/** The result's inline outputs, each where it lands; or a reason to disconnect the worker. */
export function inlineOutputs(outputs: ReadonlyMap<string, string>, value: unknown, payloadBytes: number): PlacedOutput[] | string {
  if (value === undefined) return payloadBytes === 0 ? [] : "a result with bytes but no inline outputs";
  if (!Array.isArray(value) || value.length > inlineOutputEntriesMax) return "bad inline outputs";
  const placed: PlacedOutput[] = [];
  let bytes = 0;
  for (const entry of value as Array<Record<string, unknown>>) {
    const name = String(entry?.name);
    const staged = stagedPath(outputs, name);
    if (!staged) return `undeclared output '${name}'`;
    if (entry.directory === true) placed.push({ name, directory: true, ...staged });
    else if (!Number.isSafeInteger(entry.bytes) || (entry.bytes as number) < 0) return "bad inline output size";
    else if (!isFileMode(entry.mode)) return `bad mode for output '${name}'`;
    else {
      bytes += entry.bytes as number;
      placed.push({ name, bytes: entry.bytes as number, mode: entry.mode, ...staged });
    }
  }
  if (bytes !== payloadBytes || bytes > inlineOutputBytesMax) return "inline output sizes do not match the payload";
  return placed;
}

/**
 * Where an output lands until the result: beside its target, under `.skein-part`. A name inside
 * two declared outputs (`mydir` and `mydir/1.txt`, in either order) lands in the outermost, so
 * the directory's tree arrives whole: landing in the inner one left the directory without it
 * when the directory was renamed into place over it.
 */
export function stagedPath(outputs: ReadonlyMap<string, string>, name: string): { root: string; path: string } | undefined {
  if (sandboxPathProblem(name)) return undefined;
  // each leading part of the name, shortest first: a lookup per '/', not a scan of every output
  for (let slash = name.indexOf("/"); ; slash = name.indexOf("/", slash + 1)) {
    const remote = slash < 0 ? name : name.slice(0, slash);
    const local = outputs.get(remote);
    if (local !== undefined) {
      const root = `${local}.skein-part`;
      return { root, path: slash < 0 ? root : `${root}/${name.slice(slash + 1)}` };
    }
    if (slash < 0) return undefined;
  }
}

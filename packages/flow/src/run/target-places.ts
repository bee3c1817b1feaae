// skein-io-adapter: asks the file system where a target with `..` in it really is.
/**
 * A rule's targets are removed before it runs (a stale file must not pass for its work) and by
 * `--clean`: a target that is the workflow's directory, the workflow file, its log, or a
 * directory holding any of them (`.`, `..`, `/`, and since a `..` after a name is kept as
 * written, `sub/..` or `sub/../..` too) would take the workflow itself with it. Such a target is
 * a WorkflowError at the target, before anything runs or is removed. A target with `..` in it is
 * judged both ways it may be read — as text (`sub/..` is the directory) and as the kernel reads
 * it when it exists (through a symbolic link) — and refused if either is such a place.
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { writtenPath } from "../language/canonical-path.ts";
import { WorkflowError } from "../language/errors.ts";
import { absolutePath } from "../paths.ts";
import type { Workflow } from "../workflow.ts";

/** Whether a target name has a `..` segment anywhere. */
const dotDot = /(?:^|\/)\.\.(?:\/|$)/;

export function checkTargetPlaces(workflow: Workflow, directory: string, file: string, logPath: string): void {
  const kept: Array<{ path: string; what: string }> = [];
  for (const [path, what] of [
    [directory, "the workflow's directory"],
    [file, "the workflow file"],
    [logPath, "the workflow's transaction log"],
  ] as const) {
    for (const form of new Set([path, resolve(path), realPath(path)])) if (form !== undefined) kept.push({ path: form, what });
  }
  // A plain relative target (parsed paths are normalized: no `.` segments) lies inside the
  // directory: it can only be, or hold, the file or the log, when one of those is inside too.
  const inside = new Set<string>();
  for (const place of kept) {
    if (place.path === directory || !place.path.startsWith(`${directory}/`)) continue;
    const parts = place.path.slice(directory.length + 1).split("/");
    for (let end = 1; end <= parts.length; end++) inside.add(parts.slice(0, end).join("/"));
  }
  for (const rule of workflow.rules) {
    for (const target of rule.targets) {
      const first = target.path.charCodeAt(0);
      const hasDotDot = dotDot.test(target.path);
      if (first !== 46 && first !== 47 && !hasDotDot && !inside.has(target.path)) continue; // not ".", not "/", no ".."
      const path = absolutePath(directory, target.path);
      const forms = hasDotDot ? [...new Set([path, resolve(path), realPath(path)])] : [path];
      for (const form of forms) {
        if (form === undefined) continue;
        const holds = form === "/" ? kept[0] : kept.find((place) => place.path === form || place.path.startsWith(`${form}/`));
        if (holds === undefined) continue;
        const how = holds.path === form ? `is ${holds.what}` : `holds ${holds.what} (${holds.path})`;
        throw new WorkflowError(target.location, `target '${writtenPath(target)}' ${how}: a rule's targets are removed before it runs and by --clean, so no rule may name it as a target`);
      }
    }
  }
}

/** The kernel's name for an existing path (links and `..` followed), else undefined. */
function realPath(path: string): string | undefined {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
}

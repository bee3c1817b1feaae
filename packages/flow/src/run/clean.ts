// skein-io-adapter: removes files the workflow created.
/**
 * `--clean`: removes the targets of every rule the transaction log shows as started (those are
 * the files this workflow created), then the log itself. Sources and files the workflow never
 * touched stay. Nested workflows (`MAKEFLOW file [dir]`) are cleaned first, from their own
 * logs: their files are theirs to name, and a nested workflow's file may be a target here.
 */
import { lstatSync, rmSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { LogSummary } from "../log/transaction-log.ts";
import { absolutePath } from "../paths.ts";
import type { NestedWorkflow, Workflow } from "../workflow.ts";

/** Levels of nested workflows `--clean` descends (a workflow that nests itself ends here). */
export const cleanDepthMax = 32;

/** A workflow as `--clean` needs it: its rules, what its log says, where it ran. */
export interface Cleanable {
  readonly workflow: Workflow;
  readonly summary: LogSummary;
  readonly directory: string;
  readonly logPath: string;
}

/** Reads a nested workflow of `parent`; undefined when its file is gone (nothing to read). */
export type NestedLoader = (parent: Cleanable, nested: NestedWorkflow) => Cleanable | undefined;

export function removeTargets(workflow: Workflow, rule: number, directory: string): void {
  for (const target of workflow.rules[rule]!.targets) {
    const path = absolutePath(directory, target.path);
    // Most targets do not exist yet: ask without an exception (rmSync's force swallows an
    // ENOENT error whose creation costs far more than the lstat itself).
    if (lstatSync(path, { throwIfNoEntry: false })) rmSync(path, { recursive: true, force: true });
  }
}

/** Returns the paths removed, relative to the workflow's directory. */
export function clean(workflow: Workflow, summary: LogSummary, directory: string, logPath: string): string[] {
  const removed: string[] = [];
  for (const rule of [...summary.started].sort((a, b) => a - b)) {
    removeTargets(workflow, rule, directory);
    removed.push(...workflow.rules[rule]!.targets.map((t) => t.path));
  }
  rmSync(logPath, { force: true });
  return removed;
}

/**
 * Cleans the nested workflows of every started nested rule (each log once, depth first), then
 * the workflow itself. Returns the paths removed (each once), relative to the top workflow's directory.
 */
export function cleanTree(top: Cleanable, load: NestedLoader, seen = new Set<string>([top.logPath]), depth = 0): string[] {
  const removed: string[] = [];
  for (const rule of [...top.summary.started].sort((a, b) => a - b)) {
    const nested = top.workflow.rules[rule]!.nested;
    if (!nested || depth >= cleanDepthMax) continue;
    const child = load(top, nested);
    if (!child || seen.has(child.logPath)) continue;
    seen.add(child.logPath);
    for (const path of cleanTree(child, load, seen, depth + 1)) removed.push(relative(top.directory, resolve(child.directory, path)));
  }
  removed.push(...clean(top.workflow, top.summary, top.directory, top.logPath));
  return [...new Set(removed)]; // a nested rule's target is often a file the nested workflow made
}

// skein-io-adapter: removes files the workflow created.
/**
 * `--clean`: removes the targets of every rule the transaction log shows as started (those are
 * the files this workflow created), then the log itself. Sources and files the workflow never
 * touched stay.
 */
import { lstatSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import type { Workflow } from "../workflow.ts";
import type { LogSummary } from "../log/transaction-log.ts";

export function removeTargets(workflow: Workflow, rule: number, directory: string): void {
  for (const target of workflow.rules[rule]!.targets) {
    const path = resolve(directory, target.path);
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

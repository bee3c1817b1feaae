/**
 * `--dry-run` says which targets a run would keep as `<target>.skein-old` (they exist, and the
 * log does not show the workflow made them), so the user sees it before their files move:
 * on standard error (standard output lists the commands), or as a `would-set-aside` JSON
 * object with --json. Nothing is moved; the aside name is the first free one now.
 */
import type { LogSummary } from "../log/transaction-log.ts";
import type { Workflow } from "../workflow.ts";
import { type KeptAside, StaleTargets } from "./stale-targets.ts";

/** Entries of a directory target named in the plain line (then "…"), as a run's line does. */
const entriesShownMax = 3;

/** What the rules in `order` that are not `complete` would set aside, in that order. */
export function asidePreview(workflow: Workflow, directory: string, summary: LogSummary, order: readonly number[], complete: ReadonlySet<number>): KeptAside[] {
  const stale = new StaleTargets(workflow, directory, summary.started, () => {}, summary.files);
  const kept: KeptAside[] = [];
  for (const rule of order) if (!complete.has(rule)) kept.push(...stale.wouldSetAside(rule));
  return kept;
}

/** The preview as lines (each with its newline): plain ones for standard error, or JSON ones for standard output. */
export function asidePreviewLines(kept: readonly KeptAside[], json: boolean): { out: string[]; err: string[] } {
  if (json) return { out: kept.map(({ rule, target, aside, entries, why }) => `${JSON.stringify({ rule, target, state: "would-set-aside", aside, entries, reason: why })}\n`), err: [] };
  const err = kept.map(({ target, aside, entries, why }) => {
    if (entries === undefined) return `skein flow: --dry-run: would keep ${target} (${why ?? "not made by this workflow"}) as ${aside}\n`;
    const listed = `${entries.slice(0, entriesShownMax).join(", ")}${entries.length > entriesShownMax ? ", …" : ""}`;
    return `skein flow: --dry-run: would keep what ${target} holds that this workflow does not name (${listed}) in ${aside}\n`;
  });
  return { out: [], err };
}

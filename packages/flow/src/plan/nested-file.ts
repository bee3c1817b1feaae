/**
 * Where the file of a nested workflow rule is. Current upstream Makeflow reads `MAKEFLOW file`
 * alone, the file relative to the workflow's directory, and skein reads the file so with or
 * without a directory (`MAKEFLOW file dir` runs that file in `dir`). Older upstream ran
 * `MAKEFLOW file dir` as `cd dir && makeflow file`: the file relative to `dir`. That reading is
 * kept as a fallback where it is unambiguous — the file is neither made by a rule nor present
 * relative to the workflow's directory, and `dir/file` is — so workflows written for it run.
 */
import { posix } from "node:path";
import { type Canonical, fileNamed } from "../language/canonical-path.ts";
import { normalizePath } from "../language/file-words.ts";
import type { NestedWorkflow, Rule } from "../workflow.ts";

/** Whether a path is made by a rule of the workflow, or exists (relative to the workflow's directory). */
export type Available = (path: string) => boolean;

/**
 * The nested workflow with its file as older upstream read it, when only that reading names a
 * file; else `nested` itself. `canonical` names the file as the parser did (canonical-path.ts).
 */
export function nestedFileReading(nested: NestedWorkflow, available: Available, canonical: Canonical = (path) => path): NestedWorkflow {
  const { file, directory } = nested;
  const spelled = nested.written ?? file;
  if (directory === undefined || directory === "." || posix.isAbsolute(spelled) || available(file)) return nested;
  const older = normalizePath(`${directory}/${spelled}`); // as written: `d/../x` is not `x` (normalizePath)
  const named = canonical(older);
  if (!available(named)) return nested;
  const exported = nested.exportedDefaults === undefined ? {} : { exportedDefaults: nested.exportedDefaults };
  return named === older ? { file: named, directory, ...exported } : { file: named, directory, written: older, ...exported };
}

/** `rule` reading its nested file as `nestedFileReading` says: the file, and the source naming it, replaced. */
export function withNestedFileReading(rule: Rule, available: Available, canonical?: Canonical): Rule {
  if (!rule.nested) return rule;
  const nested = nestedFileReading(rule.nested, available, canonical);
  if (nested === rule.nested) return rule;
  const written = rule.sources.find((source) => source.path === rule.nested!.file)!;
  const sources = rule.sources.filter((source) => source.path !== rule.nested!.file);
  if (!sources.some((source) => source.path === nested.file)) sources.push(fileNamed(nested.written ?? nested.file, () => nested.file, written.location));
  return { ...rule, sources, nested };
}

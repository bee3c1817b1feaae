import type { Workflow } from "../workflow.ts";
import { parseJsonWorkflow } from "./parse-json-workflow.ts";
import { type ParseInit, parseMakeflow } from "./parse-makeflow.ts";

/** Parses either form: JSON when the file name ends in `.json`/`.jx` or the text starts with `{`. */
export function parseWorkflow(text: string, init: ParseInit): Workflow {
  const json = /\.(json|jx)$/i.test(init.file) || /^\s*\{/.test(text);
  return json ? parseJsonWorkflow(text, init) : parseMakeflow(text, init);
}

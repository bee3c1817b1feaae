/** Graphviz DOT for a planned workflow: rules as boxes, files as ellipses, coloured by state. */
import { writtenPath } from "../language/canonical-path.ts";
import type { Plan } from "../plan/plan.ts";
import type { ShownState } from "./refusals.ts";

const colours: Record<ShownState, string> = {
  waiting: "white",
  ready: "lightyellow",
  running: "gold",
  retrying: "orange",
  done: "palegreen",
  failed: "tomato",
  // never ran: no executor could ever run it
  refused: "lightgrey",
};

const quote = (text: string) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

export function toDot(plan: Plan, stateOf: (rule: number) => ShownState): string {
  const lines = ["digraph workflow {", "  rankdir=LR;", '  node [fontname="Helvetica"];'];
  // a file's node is its DAG name (one node however it is written); its label, as first written
  const files = new Map<string, string>();
  for (const rule of plan.workflow.rules) {
    const state = stateOf(rule.id);
    const label = rule.command.length > 40 ? `${rule.command.slice(0, 37)}...` : rule.command;
    lines.push(`  r${rule.id} [shape=box, style=filled, fillcolor=${colours[state]}, label=${quote(`${label}\n(${state === "refused" ? "refused, never run" : state})`)}];`);
    for (const source of rule.sources) {
      if (!files.has(source.path)) files.set(source.path, writtenPath(source));
      lines.push(`  ${quote(source.path)} -> r${rule.id};`);
    }
    for (const target of rule.targets) {
      if (!files.has(target.path)) files.set(target.path, writtenPath(target));
      lines.push(`  r${rule.id} -> ${quote(target.path)};`);
    }
  }
  for (const [file, written] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`  ${quote(file)} [shape=ellipse${written === file ? "" : `, label=${quote(written)}`}];`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

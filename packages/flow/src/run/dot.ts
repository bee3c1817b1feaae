/** Graphviz DOT for a planned workflow: rules as boxes, files as ellipses, coloured by state. */
import type { Plan } from "../plan/plan.ts";
import type { RuleState } from "../schedule/types.ts";

const colours: Record<RuleState, string> = {
  waiting: "white",
  ready: "lightyellow",
  running: "gold",
  retrying: "orange",
  done: "palegreen",
  failed: "tomato",
};

const quote = (text: string) => `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

export function toDot(plan: Plan, stateOf: (rule: number) => RuleState): string {
  const lines = ["digraph workflow {", "  rankdir=LR;", '  node [fontname="Helvetica"];'];
  const files = new Set<string>();
  for (const rule of plan.workflow.rules) {
    const state = stateOf(rule.id);
    const label = rule.command.length > 40 ? `${rule.command.slice(0, 37)}...` : rule.command;
    lines.push(`  r${rule.id} [shape=box, style=filled, fillcolor=${colours[state]}, label=${quote(`${label}\n(${state})`)}];`);
    for (const source of rule.sources) {
      files.add(source.path);
      lines.push(`  ${quote(source.path)} -> r${rule.id};`);
    }
    for (const target of rule.targets) {
      files.add(target.path);
      lines.push(`  r${rule.id} -> ${quote(target.path)};`);
    }
  }
  for (const file of [...files].sort()) lines.push(`  ${quote(file)} [shape=ellipse];`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/**
 * Builds a `Rule` from its dependency line, its rule-local assignments and its command:
 * resolves category and resources, the job's environment (upstream's defaults and the exports), `LOCAL` (or a true `BATCH_LOCAL`
 * variable, as upstream) and nested `MAKEFLOW`.
 */
import { type FileReference, type Resources, resourceVariables, type Rule, type SourceLocation } from "../workflow.ts";
import type { Directive } from "./directives.ts";
import { type Canonical, fileNamed, writtenPath } from "./canonical-path.ts";
import { WorkflowError } from "./errors.ts";
import { expand } from "./expand.ts";
import { defaultJobVariables } from "./job-environment.ts";
import { normalizePath, rawWords } from "./file-words.ts";
import { ruleFiles } from "./rule-files.ts";
import { defaultCategory, isCategoryName, resourceNumber, type Scope } from "./scope.ts";
import type { LogicalLine } from "./source-text.ts";
import { checkQuotes, commentStart, firstUnquoted, shellCommentStart, splitWords, unquote } from "./words.ts";

/** Characters that make a shell command out of a `MAKEFLOW` line (`;`, `&&`, `|`, redirections, subshells). */
const shellOperators = ";&|<>()`";
/** `$(NAME)` and `${NAME}` as written (their parentheses are not the shell's), and `$$`. */
const variableReference = /\$\$|\$\([A-Za-z0-9_.]*\)|\$\{[A-Za-z0-9_.]*\}/g;

export interface PendingRule {
  readonly targets: FileReference[];
  readonly sources: FileReference[];
  readonly location: SourceLocation;
  /** Rule-local variables, made on the first (most rules have none: no map per rule). */
  variables: Map<string, string> | undefined;
  /** Rule-local resources, made on the first. */
  resources: Resources | undefined;
  category: string | undefined;
}

const noResources: Resources = Object.freeze({});

export class RuleBuilder {
  readonly rules: Rule[] = [];
  readonly sizeHints = new Map<string, number>();

  constructor(
    private readonly scope: Scope,
    private readonly canonical: Canonical,
  ) {}

  begin(targets: FileReference[], sources: FileReference[], location: SourceLocation): PendingRule {
    return { targets, sources, location, variables: undefined, resources: undefined, category: undefined };
  }

  missingCommand(pending: PendingRule): WorkflowError {
    return new WorkflowError(
      pending.location,
      `rule for '${writtenPath(pending.targets[0]!)}' has no command (the command goes on the next line, indented)`,
    );
  }

  /** A rule-local assignment of `value`, already expanded with the rule's variables. */
  localAssignment(pending: PendingRule, name: string, operator: string, value: string, location: SourceLocation): void {
    const previous = this.scope.lookup(name, pending.variables);
    const joined = operator === "+=" && previous ? `${previous} ${value}` : value;
    this.setLocal(pending, name, joined, location);
  }

  localDirective(pending: PendingRule, directive: Directive, location: SourceLocation): void {
    if (directive.kind === "assign") this.setLocal(pending, directive.name, directive.value, directive.location);
    else if (directive.kind === "size") this.sizeHints.set(directive.path, directive.bytes);
    else throw new WorkflowError(location, "'.MAKEFLOW MODE' applies to a category, not to one rule");
  }

  private setLocal(pending: PendingRule, name: string, value: string, location: SourceLocation): void {
    (pending.variables ??= new Map()).set(name, value);
    if (isCategoryName(name)) pending.category = unquote(value) || defaultCategory;
    const field = resourceVariables.get(name);
    if (field) (pending.resources ??= {})[field] = resourceNumber(name, value, location);
  }

  /** Completes the rule with the command that starts at `start` of `line`. */
  finish(pending: PendingRule, line: LogicalLine, start: number): void {
    // a shell comment ends the command, as upstream drops it: its quotes and `$` are not checked
    const text = line.text.slice(start);
    const raw = text.slice(0, shellCommentStart(text)).trimEnd();
    checkQuotes(raw, line, start);
    let command = (raw.includes("$") ? expand(raw, (n) => this.scope.lookup(n, pending.variables), line, start, true) : raw).trim();
    let local = this.scope.batchLocal(pending.variables);
    let modified = false;
    while (/^LOCAL([ \t]|$)/.test(command)) {
      // upstream takes every leading modifier: `LOCAL LOCAL cmd` (often from `$(X) LOCAL`) runs `cmd`
      local = modified = true;
      command = command.slice(5).trim();
    }
    if (!command) throw new WorkflowError(line.locate(start), modified ? "LOCAL needs a command after it" : `the command is empty: \`${raw}\` expands to nothing`);
    if (/^WORKFLOW([ \t]|$)/.test(command)) {
      // upstream's parser names it, but its lexer passes only LOCAL and MAKEFLOW on: it would run a program 'WORKFLOW'
      throw new WorkflowError(line.locate(start), "'WORKFLOW' is not a Makeflow keyword: a nested workflow reads 'MAKEFLOW file [directory]'");
    }
    const nested = this.nested(command, pending, line, start);
    const { targets, sources } = ruleFiles(pending.targets, pending.sources);
    const category = pending.category ?? this.scope.currentCategory;
    this.scope.category(category);
    const resources = this.scope.ruleResources(category, pending.resources ?? noResources);
    this.rules.push({
      id: this.rules.length,
      targets,
      sources,
      command,
      local: local || nested !== undefined,
      category,
      resources,
      environment: this.scope.jobEnvironment(category, resources, pending.variables),
      nested,
      location: pending.location,
    });
  }

  private nested(command: string, pending: PendingRule, line: LogicalLine, start: number): Rule["nested"] {
    if (!/^MAKEFLOW([ \t]|$)/.test(command)) return undefined;
    const argumentsText = command.slice(0, commentStart(command)); // `# why` may follow
    const operator = firstUnquoted(argumentsText, shellOperators);
    if (operator >= 0) {
      // `MAKEFLOW sub.mf; echo done` read `sub.mf;` as the file (then "missing"); upstream refuses it too
      const raw = line.text.slice(start, start + commentStart(line.text.slice(start))).replace(variableReference, (m) => (m === "$$" ? m : "_".repeat(m.length)));
      const written = firstUnquoted(raw, shellOperators);
      throw new WorkflowError(
        line.locate(written >= 0 ? start + written : start),
        `'${argumentsText[operator]}' is shell syntax, but a nested workflow is not run by a shell: write 'MAKEFLOW file [directory]' alone, and other commands in rules of their own`,
      );
    }
    const words = splitWords(argumentsText, line, start).map((w) => w.text);
    // the words as written, when the line spells them out (not from a variable holding `MAKEFLOW f`)
    const written = rawWords(line.text.slice(start), line, start);
    const keyword = written.findIndex((w) => w.text === "MAKEFLOW");
    if (words.length > 3) {
      const wrapper = keyword < 0 ? undefined : written[keyword + 3];
      throw new WorkflowError(
        line.locate(wrapper?.offset ?? start),
        `a wrapper after 'MAKEFLOW file directory' (older Makeflow ran 'cd directory && wrapper makeflow file') is not supported: skein runs a nested workflow in-process; write 'MAKEFLOW file [directory]'`,
      );
    }
    if (words.length < 2) throw new WorkflowError(line.locate(start), "a nested workflow reads 'MAKEFLOW file [directory]'");
    if (words[1] === "" || words[2] === "") {
      throw new WorkflowError(line.locate(start), "a nested workflow reads 'MAKEFLOW file [directory]', not an empty name");
    }
    const word = keyword < 0 ? undefined : written[keyword + 1];
    const source = fileNamed(normalizePath(words[1]!), this.canonical, line.locate(word?.offset ?? start));
    const directory = words[2] === undefined ? undefined : normalizePath(words[2]);
    if (!pending.sources.some((s) => s.path === source.path)) pending.sources.push(source);
    // the nested run gets these of the rule's environment; the other defaults are this rule's reservation
    const exported = defaultJobVariables.filter((name) => this.scope.exported.has(name));
    const nested = source.written === undefined ? { file: source.path, directory } : { file: source.path, directory, written: source.written };
    return exported.length === 0 ? nested : { ...nested, exportedDefaults: exported };
  }
}

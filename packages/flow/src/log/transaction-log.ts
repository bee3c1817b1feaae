/**
 * The transaction log: one line per state change of a rule, appended and synced, so a master
 * killed at any moment resumes where it stopped. A line reads
 *
 *     <time ms> <rule index> <state> <attempt> <rule hash> <targets hash>
 *
 * The rule hash covers the rule's command, targets and sources: editing a rule makes its old
 * lines stale, and the rule runs again; a rule that only moved (a rule added or removed above
 * it) is found by its hashes and keeps its lines. The targets hash covers only the targets: `--clean`
 * still removes what an earlier version of a rule made, when it made the same files. (Logs
 * written before the targets hash have five fields; they are read the same way.) A torn last
 * line (a kill mid-write) is ignored.
 */
import { fnv1a32 } from "../fnv.ts";
import type { Rule } from "../workflow.ts";
import type { RuleState } from "../schedule/types.ts";

export const logHeader = "# skein-flow-log 1";

/** FNV-1a, 32 bits, over the parts of a rule that decide what it makes. */
export function ruleHash(rule: Rule): string {
  return fnv1a32(`${rule.command}\0${rule.targets.map((t) => t.path).join("\0")}\0${rule.sources.map((s) => s.path).join("\0")}`);
}

/** Both hashes of a rule, as its log lines carry them: the rule hash, a space, the targets hash. */
export function logHashes(rule: Rule): string {
  return `${ruleHash(rule)} ${fnv1a32(rule.targets.map((t) => t.path).join("\0"))}`;
}

/** A log line; `hash` is `logHashes(rule)` (or, in tests, a rule hash alone, as older logs have). */
export function logLine(timeMs: number, rule: number, state: RuleState, attempt: number, hash: string): string {
  return `${Math.round(timeMs)} ${rule} ${state} ${attempt} ${hash}\n`;
}

export interface LogSummary {
  /** Rules whose last valid line says done. */
  readonly done: Set<number>;
  /**
   * Rules that ever started, in this version or in an earlier one with the same targets (their
   * targets were made by this workflow).
   */
  readonly started: Set<number>;
  /** Rules whose last line says running: interrupted, their outputs may be partial. */
  readonly interrupted: Set<number>;
  /** Rules whose last line says failed: they failed for good when last run. */
  readonly failed: Set<number>;
  /** Lines per rule that say done, for checking that nothing completed twice. */
  readonly doneLines: Map<number, number>;
  /** When (epoch ms) each rule's last done line was written. */
  readonly doneAtMs: Map<number, number>;
}

/**
 * A log file that is not one: another program's file under the log's name, or a log of
 * another format. Nothing is run or cleaned on its word, nor appended to it.
 */
export class LogFormatError extends Error {}

/**
 * Replays a log against the current rules. A line whose rule index now names another rule is
 * the rule's with the line's hashes, wherever it moved; lines for other rule texts are ignored; a file
 * that does not start with the header (unless it is only the header's torn start) is a
 * LogFormatError naming `source`.
 */
export function readLog(text: string, rules: readonly Rule[], source = "the log"): LogSummary {
  checkHeader(text, source);
  const hashes = new Map<number, string[]>();
  const hashesOf = (rule: number) => {
    let both = hashes.get(rule);
    if (both === undefined) hashes.set(rule, (both = logHashes(rules[rule]!).split(" ")));
    return both;
  };
  const moved = movedRules(rules);
  const last = new Map<number, string>();
  const started = new Set<number>();
  const doneLines = new Map<number, number>();
  const doneAtMs = new Map<number, number>();
  const lines = text.split("\n");
  if (!text.endsWith("\n")) lines.pop(); // torn write
  for (const line of lines) {
    if (!line || line.startsWith("#")) continue;
    const [timeText, ruleText, state, , hash, targetsHash] = line.split(" ");
    let rule = Number(ruleText);
    if (!Number.isInteger(rule) || rule < 0) continue;
    const [ruleHashNow, targetsHashNow] = rule < rules.length ? hashesOf(rule) : [];
    if (hash !== ruleHashNow) {
      // a rule added or removed before this one moved it: its lines still count, found by hash
      const now = moved.byHashes(hash, targetsHash);
      if (now === undefined) {
        // an earlier version made these files
        const maker = targetsHash === undefined ? undefined : targetsHash === targetsHashNow ? rule : moved.byTargets(targetsHash);
        if (state === "running" && maker !== undefined) started.add(maker);
        continue;
      }
      rule = now;
    }
    last.set(rule, state!);
    if (state === "running") started.add(rule);
    if (state === "done") {
      doneLines.set(rule, (doneLines.get(rule) ?? 0) + 1);
      doneAtMs.set(rule, Number(timeText));
    }
  }
  const done = new Set<number>();
  const interrupted = new Set<number>();
  const failed = new Set<number>();
  for (const [rule, state] of last) {
    if (state === "done") done.add(rule);
    else if (state === "running") interrupted.add(rule);
    else if (state === "failed") failed.add(rule);
  }
  return { done, started, interrupted, failed, doneLines, doneAtMs };
}

/**
 * Rules by their hashes, for lines whose rule index now names another rule (a rule was added
 * or removed above it): built on the first such line only, so a log of an unchanged workflow
 * costs nothing more. A hash two rules share (32 bits can collide) names neither.
 */
function movedRules(rules: readonly Rule[]): { byHashes(hash: string | undefined, targetsHash: string | undefined): number | undefined; byTargets(targetsHash: string): number | undefined } {
  let both: Map<string, number> | undefined;
  let ruleOnly: Map<string, number> | undefined;
  let targetsOnly: Map<string, number> | undefined;
  const add = (map: Map<string, number>, key: string, rule: number) => map.set(key, map.has(key) ? -1 : rule);
  const build = () => {
    both = new Map();
    ruleOnly = new Map();
    targetsOnly = new Map();
    for (const [index, rule] of rules.entries()) {
      const hashes = logHashes(rule);
      add(both, hashes, index);
      add(ruleOnly, hashes.slice(0, hashes.indexOf(" ")), index);
      add(targetsOnly, hashes.slice(hashes.indexOf(" ") + 1), index);
    }
  };
  const found = (rule: number | undefined) => (rule === undefined || rule < 0 ? undefined : rule);
  return {
    byHashes(hash, targetsHash) {
      if (hash === undefined) return undefined;
      if (both === undefined) build();
      // lines written before the targets hash have only the rule hash
      return found(targetsHash === undefined ? ruleOnly!.get(hash) : both!.get(`${hash} ${targetsHash}`));
    },
    byTargets(targetsHash) {
      if (targetsOnly === undefined) build();
      return found(targetsOnly!.get(targetsHash));
    },
  };
}

function checkHeader(text: string, source: string): void {
  if (text === "") return;
  const end = text.indexOf("\n");
  const first = end < 0 ? text : text.slice(0, end);
  if (first === logHeader || (end < 0 && logHeader.startsWith(first))) return; // a kill during the first write
  const format = /^# skein-flow-log (\S+)$/.exec(first)?.[1];
  if (format !== undefined) throw new LogFormatError(`${source}: a skein flow log of format ${format}; this skein reads format 1`);
  const shown = JSON.stringify(first.length > 40 ? `${first.slice(0, 40)}…` : first);
  throw new LogFormatError(`${source}: not a skein flow log (it starts ${shown}, not "${logHeader}"); move it away to start afresh`);
}

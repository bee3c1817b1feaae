/**
 * Scenarios: a file that builds a cluster, feeds it inputs, schedules faults, and states what
 * must always hold (invariants, checked after every event of the run) and what must eventually
 * happen once faults stop (liveness conditions, checked in the heal phase). `runScenario` runs
 * one seed through two phases — safety with faults, then heal and converge — and returns a
 * summary whose violations carry the seed to reproduce them.
 */
import type { ServiceFactory } from "@skein/core";
import { Nemesis, type NemesisDraw, type NemesisInit } from "./nemesis.ts";
import { type LoopStop, runLoop } from "./run-loop.ts";
import { Simulation } from "./simulation.ts";
import type { Topology } from "./topology.ts";
import type { TraceSink } from "./trace-writer.ts";

/** What a scenario's hooks are told about this run. */
export interface ScenarioParams {
  readonly seed: number;
  readonly nodes: number;
  readonly untilMs: number;
}

/**
 * The system itself, independent of any runtime: node ids (in order) and the services each
 * runs. The simulator instantiates it in one process; `skein run` starts one process per node.
 */
export type ClusterSpec = Record<string, Record<string, ServiceFactory>>;

/** An invariant: return `false` or a message to report a violation; anything else passes. */
export type Invariant<S> = (sim: Simulation, state: S) => boolean | string | undefined | void;

export interface ScenarioInit<S> {
  readonly name: string;
  readonly description?: string;
  /** Default node count (the CLI's --nodes overrides). */
  readonly nodes?: number;
  /** Default length of the safety phase in virtual ms (the CLI's --until overrides). */
  readonly untilMs?: number;
  readonly topology?: (params: ScenarioParams) => Topology;
  /** The nodes and their services, for every runtime. */
  cluster(params: ScenarioParams): ClusterSpec;
  /** Simulator-only preparation after the cluster is added; what it returns is handed to
   * invariants and liveness conditions. */
  setup?(sim: Simulation, params: ScenarioParams): S;
  /** Scripted inputs and faults (sim.at / sim.faults), after setup. */
  script?(sim: Simulation, state: S, params: ScenarioParams): void;
  readonly invariants?: Record<string, Invariant<S>>;
  /** Check invariants at most once per this much virtual time (default 0: after every
   * event). Always checked at the end of each phase. For checkers too costly per event. */
  readonly invariantIntervalMs?: number;
  readonly liveness?: {
    /** After faults stop, every condition must hold within this many virtual ms. */
    readonly withinMs: number;
    readonly conditions: Record<string, (sim: Simulation, state: S) => boolean>;
  };
  /** Defaults for the random nemesis of this scenario (which nodes it may crash, …). */
  readonly nemesis?: NemesisInit;
}

// biome-ignore lint/suspicious/noExplicitAny: a scenario of any state type
export type Scenario<S = any> = ScenarioInit<S> & { readonly kind: "skein-scenario" };

/** Declares a scenario (the default export of a scenario file). */
export function defineScenario<S>(init: ScenarioInit<S>): Scenario<S> {
  if (!init.name) throw new TypeError("scenario: 'name' is required");
  if (typeof init.cluster !== "function") throw new TypeError(`scenario ${init.name}: 'cluster' must be a function`);
  return { ...init, kind: "skein-scenario" };
}

export type ViolationKind = "invariant" | "liveness" | "no-progress" | "event-storm" | "wall-clock" | "exception";

export interface Violation {
  readonly kind: ViolationKind;
  readonly name: string;
  readonly message: string;
  readonly atMs: number;
}

export interface RunInit {
  readonly seed: number;
  readonly nodes?: number;
  readonly untilMs?: number;
  /** Random faults in the safety phase: options, or true for the scenario's defaults. */
  readonly nemesis?: NemesisInit | boolean;
  readonly trace?: TraceSink;
  readonly hashTrace?: boolean;
  /** Real-time limit of the whole run (default 120 s). */
  readonly wallLimitMs?: number;
  readonly stormEventsMax?: number;
  readonly onLog?: ConstructorParameters<typeof Simulation>[0]["onLog"];
}

export interface RunResult {
  readonly scenario: string;
  readonly seed: number;
  readonly ok: boolean;
  readonly events: number;
  readonly virtualTimeMs: number;
  readonly wallMs: number;
  readonly eventsPerSec: number;
  readonly traceHash: string | undefined;
  readonly violations: Violation[];
  readonly faultsFired: Record<string, number>;
  readonly nemesis: NemesisDraw | undefined;
  readonly messages: { sent: number; delivered: number; dropped: number };
}

export const WALL_LIMIT_MS_DEFAULT = 120_000;

/** Runs one seed of a scenario: safety phase with faults, then heal and liveness. */
export async function runScenario<S>(scenario: Scenario<S>, init: RunInit): Promise<RunResult> {
  const wallStart = performance.now();
  const params: ScenarioParams = { seed: init.seed, nodes: init.nodes ?? scenario.nodes ?? 3, untilMs: init.untilMs ?? scenario.untilMs ?? 10_000 };
  const sim = new Simulation({
    seed: init.seed,
    topology: scenario.topology?.(params),
    trace: init.trace,
    hashTrace: init.hashTrace ?? true,
    onLog: init.onLog,
  });
  const violations: Violation[] = [];
  const violate = (kind: ViolationKind, name: string, message: string) => {
    violations.push({ kind, name, message, atMs: sim.timeMs });
    sim.trace({ t: sim.timeMs, e: "invariant", name, message });
  };
  const watchdog = { wallDeadlineMs: wallStart + (init.wallLimitMs ?? WALL_LIMIT_MS_DEFAULT), stormEventsMax: init.stormEventsMax };
  let nemesis: Nemesis | undefined;
  try {
    for (const [id, services] of Object.entries(scenario.cluster(params))) sim.addNode(id, services);
    const state = scenario.setup ? scenario.setup(sim, params) : (undefined as S);
    scenario.script?.(sim, state, params);
    if (init.nemesis) {
      nemesis = new Nemesis(sim, { ...scenario.nemesis, ...(init.nemesis === true ? {} : init.nemesis) });
      nemesis.start();
    }
    const invariants = Object.entries(scenario.invariants ?? {});
    const intervalMs = scenario.invariantIntervalMs ?? 0;
    let checkedAtMs = Number.NEGATIVE_INFINITY;
    const checkInvariants = (force = false) => {
      if (!force && sim.timeMs - checkedAtMs < intervalMs) return;
      checkedAtMs = sim.timeMs;
      for (const [name, check] of invariants) {
        const verdict = check(sim, state);
        if (verdict === false || typeof verdict === "string") violate("invariant", name, verdict === false ? `invariant ${name} violated` : verdict);
      }
    };
    sim.trace({ t: sim.timeMs, e: "phase", phase: "safety" });
    const safety = await runLoop(sim, { untilMs: params.untilMs, afterEvent: checkInvariants, stopWhen: () => violations.length > 0, watchdog });
    if (violations.length === 0) checkInvariants(true);
    if (violations.length === 0 && !reportStop(safety, violate)) {
      nemesis?.stop();
      sim.trace({ t: sim.timeMs, e: "phase", phase: "heal" });
      sim.faults.healAll();
      await livenessPhase(sim, scenario, state, checkInvariants, violations, violate, watchdog);
      if (violations.length === 0) checkInvariants(true);
    }
  } catch (error) {
    violate("exception", error instanceof Error ? error.name : "Error", error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
  sim.trace({ t: sim.timeMs, e: "phase", phase: "end" });
  const wallMs = performance.now() - wallStart;
  return {
    scenario: scenario.name,
    seed: init.seed,
    ok: violations.length === 0,
    events: sim.stats.events,
    virtualTimeMs: sim.timeMs,
    wallMs,
    eventsPerSec: wallMs > 0 ? Math.round(sim.stats.events / (wallMs / 1000)) : 0,
    traceHash: sim.traceHash,
    violations,
    faultsFired: { ...sim.faultsFired },
    nemesis: nemesis?.draw,
    messages: { sent: sim.stats.messagesSent, delivered: sim.stats.messagesDelivered, dropped: sim.stats.messagesDropped },
  };
}

async function livenessPhase<S>(
  sim: Simulation,
  scenario: Scenario<S>,
  state: S,
  checkInvariants: () => void,
  violations: Violation[],
  violate: (kind: ViolationKind, name: string, message: string) => void,
  watchdog: { wallDeadlineMs: number; stormEventsMax?: number },
): Promise<void> {
  const liveness = scenario.liveness;
  if (!liveness) return;
  const conditions = Object.entries(liveness.conditions);
  const unmet = () => conditions.filter(([, holds]) => !holds(sim, state)).map(([name]) => name);
  const deadline = sim.timeMs + liveness.withinMs;
  const stop = await runLoop(sim, {
    untilMs: deadline,
    afterEvent: checkInvariants,
    stopWhen: () => violations.length > 0 || unmet().length === 0,
    watchdog,
  });
  if (violations.length > 0 || stop.reason === "condition") return;
  if (reportStop(stop, violate)) return;
  const names = unmet();
  if (stop.reason === "idle") violate("no-progress", names.join(","), `no progress: no events left at t=${sim.timeMs}ms and ${names.join(", ")} not reached`);
  else violate("liveness", names.join(","), `liveness: ${names.join(", ")} not reached within ${liveness.withinMs}ms after heal`);
}

/** Turns a watchdog stop into a violation; true if it was one. */
function reportStop(stop: LoopStop, violate: (kind: ViolationKind, name: string, message: string) => void): boolean {
  if (stop.reason === "storm") violate("event-storm", "watchdog", stop.message);
  else if (stop.reason === "wall") violate("wall-clock", "watchdog", stop.message);
  else return false;
  return true;
}

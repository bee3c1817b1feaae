// The flow scheduler under faults, in virtual time: a master service running the sans-IO
// Scheduler, three simulated workers (2 cores each, flaky and sometimes straggling tasks), and
// a nemesis that crashes workers, partitions, drops, duplicates and delays messages. Checked
// from outside on what the master did: no rule completes twice, and no rule starts before
// every rule it depends on is done. Liveness: after heal, the workflow finishes successfully.
import { parseMakeflow, plan } from "@skein/flow";
import { type ClusterSpec, defineScenario } from "@skein/sim";
import { type FlowRecord, flowMaster } from "./master.ts";
import { simulatedWorker } from "./worker.ts";

/** Fan-out, a crossed middle layer and a fan-in: 26 rules with shared dependencies. */
export function workflowText(): string {
  const rules: string[] = [];
  for (let i = 0; i < 10; i++) rules.push(`a${i}:\n\tmake-a ${i}`);
  for (let i = 0; i < 10; i++) rules.push(`b${i}: a${i} a${(i + 1) % 10}\n\tmake-b ${i}`);
  for (let j = 0; j < 5; j++) rules.push(`c${j}: b${2 * j} b${2 * j + 1}\n\tmake-c ${j}`);
  rules.push(`all: ${Array.from({ length: 5 }, (_, j) => `c${j}`).join(" ")}\n\tjoin`);
  return `${rules.join("\n")}\n`;
}

export const workflowPlan = plan(parseMakeflow(workflowText(), { file: "flow-sim.mf" }), { exists: () => false });
const workers = ["w1", "w2", "w3"];

export function flowCluster(): ClusterSpec {
  const cluster: ClusterSpec = {
    master: {
      master: flowMaster({
        plan: workflowPlan,
        workers,
        scheduler: {
          retryCount: 50,
          backoff: { initialMs: 20, maxMs: 500 },
          executorsMayJoin: true,
          fastAbortMultiplier: 3,
          fastAbortDefaultCategory: true, // its rules name no category: judge them, as `--fast-abort 3` does
          fastAbortSamplesMin: 5,
          fastAbortSlackMs: 50,
          lostRunsPerRuleMax: 1_000,
        },
      }),
    },
  };
  for (const id of workers) {
    cluster[id] = { worker: simulatedWorker({ cores: 2, durationMs: [20, 60], failureRate: 0.1, stragglerRate: 0.05, stragglerFactor: 40 }) };
  }
  return cluster;
}

const recordOf = (sim: { service<T>(node: string, name: string): T | undefined }) => sim.service<{ record: FlowRecord }>("master", "master")?.record;

export default defineScenario({
  name: "flow-scheduler",
  description: "the flow scheduler completes a workflow on crashing, partitioned workers; no rule completes twice",
  nodes: 4,
  untilMs: 4_000,
  cluster: () => flowCluster(),
  nemesis: { targets: workers, maxDown: 2, meanIntervalMs: 300 },
  invariants: {
    noRuleCompletesTwice(sim) {
      const done = recordOf(sim)?.done ?? [];
      if (new Set(done).size !== done.length) return `a rule completed twice: ${done.join(",")}`;
    },
    dependenciesRespected(sim) {
      const record = recordOf(sim);
      if (!record) return;
      for (const start of record.starts) {
        for (const dependency of workflowPlan.dependencies[start.rule]!) {
          const doneAt = record.done.indexOf(dependency);
          if (doneAt < 0 || record.doneBeforeStart[start.task]! <= doneAt) return `rule ${start.rule} started before rule ${dependency} was done`;
        }
      }
    },
    neverFailsForGood(sim) {
      const finished = recordOf(sim)?.finished;
      if (finished && !finished.ok) return `the workflow failed: ${finished.reason}`;
    },
  },
  invariantIntervalMs: 20,
  liveness: {
    withinMs: 60_000,
    conditions: {
      workflowFinished: (sim) => recordOf(sim)?.finished?.ok === true,
    },
  },
});

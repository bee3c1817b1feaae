/**
 * @skein/flow — a Makeflow-compatible workflow engine. The workflow *is* a Makefile (or its JSON
 * form); Skein runs it locally, on workers that call home, or on Slurm.
 *
 * ```ts
 * import { parseWorkflow, plan } from "@skein/flow";
 * const workflow = parseWorkflow("out: in\n\tsort in > out\n", { file: "example.mf" });
 * const dag = plan(workflow, { exists: (path) => path === "in" });
 * console.log(dag.dependencies); // [[]]
 * ```
 *
 * Layers: `language/` (text → Workflow), `plan/` (Workflow → DAG, checks), `schedule/` (the
 * sans-IO scheduler state machine), `log/` (transaction log), `executors/` and `workers/`
 * (the I/O adapters), `run/` (the driver the CLI calls).
 */
export { formatLocation, WorkflowError } from "./language/errors.ts";
export { parseJsonWorkflow } from "./language/parse-json-workflow.ts";
export { type ParseInit, parseMakeflow } from "./language/parse-makeflow.ts";
export { parseWorkflow } from "./language/parse-workflow.ts";
export { type Plan, type PlanComponents, plan } from "./plan/plan.ts";
export type { Category, FileReference, NestedWorkflow, Resources, Rule, SourceLocation, Workflow } from "./workflow.ts";
export { type Loaded, loadWorkflow, runFlow } from "./run/run-flow.ts";
export type { Output, RunComponents, RunInit } from "./run/run-options.ts";
export { readLog, ruleHash, type LogSummary } from "./log/transaction-log.ts";
export { Scheduler, type SchedulerComponents, type SchedulerInit } from "./schedule/scheduler.ts";
export type { ExecutorInfo, RuleState, SchedulerAction, SchedulerEvent, TaskOutcome } from "./schedule/types.ts";
export { toDot } from "./run/dot.ts";
export { Driver, type DriverHooks, type DriverResult } from "./run/driver.ts";
export type { Executor, ExecutorListener, TaskRequest } from "./executors/executor.ts";
export { launcherCSources, launcherSourceKey, launcherSourcesText } from "./executors/launcher-program.ts";
export { heartbeatMsDefault, heartbeatProblem, SilenceDetector, workerTimeoutMsDefault } from "./workers/silence-detector.ts";
export { PasswordFileError, readPassword } from "./workers/password.ts";
// the worker side (`skein worker`) is `@skein/flow/worker`

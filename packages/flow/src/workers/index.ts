/**
 * `@skein/flow/worker`: the worker side of `-T workers` (`skein worker`). A separate entry so
 * that a local `skein flow` does not load the worker protocol (HMAC, content hashes, files)
 * at start-up; the master's side loads on `-T workers`.
 */
export { startWorker, type WorkerComponents, type WorkerEnd, type WorkerHandle, type WorkerInit } from "./worker.ts";
export { PasswordFileError, readPassword } from "./password.ts";
export { claimWorkDirectory } from "./work-directory.ts";
export { type SupervisedWorker, type SupervisorInit, superviseWorker, workerNoMasterTimeoutMsDefault } from "./worker-supervisor.ts";

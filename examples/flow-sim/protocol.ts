// The messages between the flow master and its simulated workers.
import type { TaskOutcome } from "@skein/flow";

export type WorkerProtocol = {
  /** Liveness and identity: a restarted worker answers with a new incarnation. */
  hello: { request: object; reply: { incarnation: number; cores: number } };
  /** Runs one task; replies when it ends (a simulated command: virtual time, seeded outcome). */
  run: { request: { task: number; rule: number; attempt: number }; reply: TaskOutcome };
  /** The master no longer wants this task. */
  abort: { request: { task: number }; reply: void };
};

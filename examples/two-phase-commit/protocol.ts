// The messages of two-phase commit (WiDS-Mod's example): a coordinator, N participants with
// durable logs, and a client that begins transactions.
export type Decision = "commit" | "abort";

export type CoordinatorProtocol = {
  /** Runs a transaction to its decision; idempotent for a transaction already decided. */
  begin: { request: { tx: string }; reply: { decision: Decision } };
  /** A participant in doubt asks what was decided ("pending" while votes are collected). */
  status: { request: { tx: string }; reply: { decision: Decision | "pending" } };
};

export type ParticipantProtocol = {
  prepare: { request: { tx: string }; reply: { vote: "yes" | "no" } };
  commit: { request: { tx: string }; reply: { ok: true } };
  abort: { request: { tx: string }; reply: { ok: true } };
};

/** Storage keys, shared by the services and the scenario's checkers. */
export const keys = {
  decision: (tx: string) => `decision/${tx}`,
  prepared: (tx: string) => `prepared/${tx}`,
};

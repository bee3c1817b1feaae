/**
 * The trace format every runtime writes (JSON Lines, one event per line) and the dashboard,
 * replay and checkers read. `t` is the time in ms on the runtime's global clock (virtual in
 * the simulator). Documented in docs/trace.md; change both together.
 */
export type EnvelopeKindName = "send" | "call" | "reply" | "failure";

export type TraceEvent =
  | { t: number; e: "phase"; phase: "safety" | "heal" | "end" }
  | { t: number; e: "start"; node: string; incarnation: number }
  | { t: number; e: "send"; m: number; src: string; dst: string; kind: EnvelopeKindName; type: string; call?: number; body: unknown }
  | { t: number; e: "deliver"; m: number }
  | { t: number; e: "drop"; m: number; reason: string }
  | { t: number; e: "duplicate"; m: number }
  | { t: number; e: "unreachable"; m: number; reason: string }
  | { t: number; e: "timer"; node: string }
  | { t: number; e: "fault"; fault: string; node?: string; [detail: string]: unknown }
  | { t: number; e: "log"; node: string; service: string; level: string; msg: string; fields?: Record<string, unknown> }
  | { t: number; e: "invariant"; name: string; message: string };

/** The `kind` names of envelope kinds 0..3, for traces. */
export const ENVELOPE_KIND_NAMES: readonly EnvelopeKindName[] = ["send", "call", "reply", "failure"];

import { RecordKind, type RecordEntry } from "@skein/net";

/** One point where the replayed code did something other than what was recorded. */
export interface Divergence {
  /** Index of the record where it was noticed. */
  readonly record: number;
  readonly what: string;
  /** What the recording says happened there. */
  readonly recorded: string;
  /** What the replay did instead. */
  readonly replayed: string;
}

const NAMES: Record<number, string> = {
  [RecordKind.Turn]: "turn",
  [RecordKind.Start]: "start",
  [RecordKind.Deliver]: "deliver",
  [RecordKind.Undeliverable]: "unreachable",
  [RecordKind.Timer]: "timer",
  [RecordKind.Synced]: "synced",
  [RecordKind.Now]: "clock read",
  [RecordKind.Random]: "random draw",
  [RecordKind.Send]: "send",
  [RecordKind.End]: "end",
  [RecordKind.Stop]: "stop",
  [RecordKind.Checkpoint]: "checkpoint",
};

/** A record as people read it: `send call prepare coordinator/coordinator → p1/participant #3 {"tx":…}`. */
export function describeRecord(entry: RecordEntry | undefined): string {
  if (!entry) return "(end of recording)";
  const name = NAMES[entry[0]] ?? `record ${entry[0]}`;
  if (entry[0] === RecordKind.Send || entry[0] === RecordKind.Deliver || entry[0] === RecordKind.Undeliverable) {
    const [kind, sn, ss, tn, ts, type, callId, body] = entry[1];
    const kindName = ["send", "call", "reply", "failure"][kind] ?? String(kind);
    const refusal = entry[0] === RecordKind.Send && entry[2] !== undefined ? ` (refused: ${entry[2]})` : "";
    return `${name} ${kindName} ${type} ${sn}/${ss} → ${tn}/${ts}${callId ? ` #${callId}` : ""} ${clip(JSON.stringify(body ?? null))}${refusal}`;
  }
  if (entry[0] === RecordKind.Checkpoint) return `${name} ${entry[1].index}`;
  if (entry.length > 1 && entry[0] !== RecordKind.Start) return `${name} ${JSON.stringify(entry[1])}`;
  return name;
}

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

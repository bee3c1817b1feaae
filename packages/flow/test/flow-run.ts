// Runs `runFlow` in-process on a fresh directory, as the run tests do: files written first,
// output captured, real clock, two jobs, no progress bar, an empty environment.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { realClock } from "@skein/net";
import { runFlow } from "../src/run/run-flow.ts";
import type { Output, RunInit } from "../src/run/run-options.ts";
import { temporaryDirectories } from "./temporary.ts";

export interface FlowRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** A maker of fresh directories holding `files` (name → text), removed after the file's tests. */
export function workspaces(prefix: string): (files: Record<string, string>) => string {
  const temporary = temporaryDirectories(prefix);
  return (files) => {
    const root = temporary();
    for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
    return root;
  };
}

/** Runs `root/w.mf` (or `init.file`) and returns its exit code and what it printed. */
export async function runIn(root: string, init: Partial<RunInit> = {}): Promise<FlowRun> {
  let out = "";
  let err = "";
  const output: Output = { out: (t) => (out += t), err: (t) => (err += t) };
  const code = await runFlow({ file: join(root, "w.mf"), jobs: 2, progress: false, environment: {}, ...init }, { clock: realClock(), random: Math.random, output });
  return { code, out, err };
}

// Runs a script on the fake host and the fake clock, collecting everything a test looks at.
import type { Position } from "../src/language/ast.ts";
import type { ShellOptions } from "../src/shell/context.ts";
import { runScript } from "../src/shell/run-script.ts";
import { FakeEnvironment } from "./fake-environment.ts";
import { FakeHost } from "./fake-host.ts";

export interface FakeRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  host: FakeHost;
  environment: FakeEnvironment;
  records: Array<Record<string, unknown>>;
}

export async function runFake(
  source: string,
  init: {
    args?: string[];
    setup?: (host: FakeHost, environment: FakeEnvironment) => void;
    options?: ShellOptions;
    signal?: AbortSignal;
    random?: () => number;
  } = {},
): Promise<FakeRun> {
  const environment = new FakeEnvironment(init.random ? { random: init.random } : { seed: 7 });
  const host = new FakeHost(environment);
  init.setup?.(host, environment);
  const records: Array<Record<string, unknown>> = [];
  const log = {
    record: (event: string, position: Position | undefined, fields: Record<string, unknown> = {}) =>
      records.push({ event, line: position?.line, atMs: environment.now(), ...fields }),
  };
  const exitCode = await environment.run(
    runScript({
      file: "t.ftsh",
      source,
      args: init.args ?? [],
      host,
      processEnvironment: { HOME: "/home/user", PATH: "/bin" },
      cwd: "/work",
      environment,
      log,
      options: init.options,
      signal: init.signal,
    }),
  );
  return { exitCode, stdout: host.stdout, stderr: host.stderr, host, environment, records };
}

import assert from "node:assert/strict";
import { test } from "node:test";
import { parseArgs } from "node:util";
import { type CommandEntry, UsageError } from "./command.ts";
import { runSkein } from "./dispatch.ts";

const usage = "usage: skein demo <file> [options]\n\noptions:\n  --jobs N   how many\n  --fast     go fast";

const demo: CommandEntry = {
  name: "demo",
  summary: "a command for the test",
  load: async () => ({
    name: "demo",
    summary: "a command for the test",
    usage,
    async run(argv) {
      const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: { jobs: { type: "string" }, fast: { type: "boolean" } } });
      if (positionals.length !== 1) throw new UsageError("expected one file");
      return 0;
    },
  }),
};

/** Runs `skein <argv>` with the demo command; what it printed on each stream. */
async function skein(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { log, error } = console;
  let out = "";
  let err = "";
  console.log = (text: string) => (out += `${text}\n`);
  console.error = (text: string) => (err += `${text}\n`);
  try {
    return { code: await runSkein(argv, [demo]), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

for (const [argv, problem] of [
  [["demo"], "skein demo: expected one file"],
  [["demo", "f", "--nope"], "skein demo: Unknown option '--nope'"],
  [["demo", "f", "--jobs"], "skein demo: Option '--jobs <value>' argument missing"],
  [["nosuch"], "skein: unknown command 'nosuch'"],
  [[], "skein: no command given"],
] as const) {
  test(`dispatch: '${argv.join(" ")}' is one line naming the problem and where the usage is, exit 2 (as GNU tools)`, async () => {
    const result = await skein([...argv]);
    assert.equal(result.code, 2);
    const program = problem.slice(0, problem.indexOf(":"));
    assert.equal(result.err, `${problem}\nTry '${program} --help' for more information.\n`);
    assert.equal(result.out, "");
  });
}

test("dispatch: --help still prints the whole usage, on standard output, exit 0", async () => {
  assert.deepEqual(await skein(["demo", "--help"]), { code: 0, out: `${usage}\n`, err: "" });
  const top = await skein(["--help"]);
  assert.equal(top.code, 0);
  assert.match(top.out, /^usage: skein <command> \[options\]\n[\s\S]*demo +a command for the test/);
});

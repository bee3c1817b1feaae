import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const skein = new URL("../../packages/cli/bin/skein.js", import.meta.url).pathname;
const examples: Record<string, [string, string]> = {
  "image-pipeline": ["capitol.anim.gif", "capitol image\nswirl 90: capitol image\nswirl 180: capitol image\nswirl 270: capitol image\nswirl 360: capitol image\n"],
  "fan-out-fan-in": ["joined.txt", "5\n5\n2\n"],
  categories: ["summary.txt", "light-a\nlight-b\n"],
};

const flow = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [skein, "flow", "Makeflow", "--no-progress", ...args], { cwd, encoding: "utf8", timeout: 60_000 });

for (const [name, [target, expected]] of Object.entries(examples)) {
  test(`examples/flow/${name}: builds with -j 2, a second run does nothing, --clean restores the directory`, () => {
    const root = mkdtempSync(join(tmpdir(), `skein-example-${name}-`));
    try {
      cpSync(new URL(`./${name}`, import.meta.url).pathname, root, { recursive: true });
      const before = readdirSync(root).sort();
      const first = flow(root, "-j", "2");
      assert.equal(first.status, 0, first.stderr);
      assert.equal(readFileSync(join(root, target), "utf8"), expected);
      assert.match(flow(root, "-j", "2").stderr, /nothing to do/);
      assert.equal(flow(root, "--clean").status, 0);
      assert.deepEqual(readdirSync(root).sort(), before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

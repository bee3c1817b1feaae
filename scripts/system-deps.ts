// Installs the Debian packages that workspace packages declare in their package.json under
// `"skein": { "debianPackages": [...] }` (for example slurm-wlm for flow's Slurm back end).
// Runs before the tests; idempotent; does nothing when everything is installed. Without root
// it prints what is missing, and the tests that need those packages say they cannot run.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

function declared(): string[] {
  const wanted = new Set<string>();
  for (const dir of readdirSync(join(root, "packages")).sort()) {
    let manifest: { skein?: { debianPackages?: string[] } };
    try {
      manifest = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8"));
    } catch {
      continue;
    }
    for (const name of manifest.skein?.debianPackages ?? []) wanted.add(name);
  }
  return [...wanted].sort();
}

function installed(name: string): boolean {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's format syntax
  const result = spawnSync("dpkg-query", ["-W", "-f=${Status}", name], { encoding: "utf8" });
  return result.status === 0 && result.stdout.includes("install ok installed");
}

const missing = declared().filter((name) => !installed(name));
if (missing.length === 0) process.exit(0);
if (process.getuid?.() !== 0) {
  console.warn(`system-deps: missing Debian packages (need root to install): ${missing.join(" ")}`);
  process.exit(0);
}
console.log(`system-deps: installing ${missing.join(" ")}`);
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
const update = spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
const install = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { stdio: "inherit", env });
if (update.status !== 0 || install.status !== 0) {
  console.error("system-deps: apt-get failed; tests needing these packages will report it");
}

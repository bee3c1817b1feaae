// Temporary directories for a test file: each call makes a fresh one under the system's
// temporary directory, and all of them are removed once the file's tests are over.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";

/** A maker of fresh directories named `<prefix>XXXXXX`, removed after the file's tests. */
export function temporaryDirectories(prefix: string): () => string {
  const roots: string[] = [];
  after(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });
  return () => {
    const root = mkdtempSync(join(tmpdir(), prefix));
    roots.push(root);
    return root;
  };
}

// skein-io-adapter: removes a directory tree on the worker's disk without holding its event loop.
/**
 * A task may leave 10⁵ scratch files in its sandbox. Removing them with `rmSync` holds the
 * worker's event loop for seconds, and so does `fs.promises.rm`: it starts an operation for
 * every entry of a directory at once, and their hundreds of thousands of callbacks (and the
 * garbage) arrive together. Either way the worker sends no heartbeat, and its master drops it
 * as silent. So a tree is removed one entry at a time (directories read in small batches):
 * slower in all, but every step is a short callback and the loop stays free.
 */
import { opendir, rmdir, unlink } from "node:fs/promises";
import { join } from "node:path";

/** Removes `path` and everything under it, one entry at a time; what cannot be removed (permissions) is left. */
export async function removeTree(path: string): Promise<void> {
  const directories: string[] = [];
  const unread = [path];
  while (unread.length > 0) {
    const directory = unread.pop()!;
    directories.push(directory);
    try {
      for await (const entry of await opendir(directory)) {
        const entryPath = join(directory, entry.name);
        if (entry.isDirectory()) unread.push(entryPath);
        else await unlink(entryPath).catch(() => {});
      }
    } catch {
      // gone, or unreadable: left as it is
    }
  }
  for (let i = directories.length - 1; i >= 0; i--) await rmdir(directories[i]!).catch(() => {});
}

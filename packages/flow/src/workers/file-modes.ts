/**
 * File modes on the worker wire. Every shipped file carries its permission bits (`mode & 0o777`:
 * read, write and execute for owner, group and others), inputs to the worker and outputs back,
 * so that `./prog.sh` runs in a sandbox as it runs here and a `chmod +x tool.sh` on a worker
 * comes back executable (Work Queue keeps the execute bit too). setuid, setgid and sticky are
 * never carried: neither side may make the other create a setuid file. Directories are made
 * with the receiving side's default mode.
 *
 * On the worker, inputs are hard links to one cached file, and a link shares its inode's mode:
 * the same bytes with another mode are therefore another cache file (`cachedFileName`), and the
 * master ships content once per worker for each mode it is needed with.
 */

/** The bits a shipped file keeps. */
export const fileModeBits = 0o777;

/** The permission bits of a file as shipped. */
export function shippedMode(stat: { readonly mode: number }): number {
  return stat.mode & fileModeBits;
}

/** Whether a mode from the wire is one a shipped file may have (an integer within 0o777). */
export function isFileMode(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= fileModeBits;
}

/** The worker's cache entry for content `hash` with `mode`, e.g. `<sha256>.755`. */
export function cachedFileName(hash: string, mode: number): string {
  return `${hash}.${mode.toString(8).padStart(3, "0")}`;
}

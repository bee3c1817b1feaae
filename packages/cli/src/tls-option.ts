/**
 * `--tls-cert`, `--tls-key`, `--tls-ca`: TLS between Skein processes (`skein run` nodes, a
 * `skein flow -T workers` master and its `skein worker`s). All three or none; an unreadable
 * file is a UsageError naming the flag and the file.
 */
import { readFileSync } from "node:fs";
import { UsageError } from "./command.ts";

export interface TlsFiles {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
}

/** Reads the TLS files, all three or none. */
export function readTls(files: TlsFiles): { cert: Buffer; key: Buffer; ca: Buffer } | undefined {
  const given = Object.entries(files).filter(([, path]) => path !== undefined);
  if (given.length === 0) return undefined;
  if (given.length < 3) {
    const missing = (["cert", "key", "ca"] as const).filter((name) => files[name] === undefined);
    throw new UsageError(`TLS needs --tls-cert, --tls-key and --tls-ca together (missing: ${missing.map((m) => `--tls-${m}`).join(", ")})`);
  }
  const read = (name: "cert" | "key" | "ca") => {
    try {
      return readFileSync(files[name]!);
    } catch (error) {
      throw new UsageError(`--tls-${name}: cannot read ${files[name]} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  };
  return { cert: read("cert"), key: read("key"), ca: read("ca") };
}

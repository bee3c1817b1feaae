// skein-io-adapter: appends the transaction log to disk and fsyncs it.
/**
 * Appends log lines in batches: lines queued during one turn of the event loop are written
 * and synced together (one write, one fsync). The log stays a prefix of what happened, so a
 * kill loses at most the last batch — a rule whose "done" was lost simply runs again.
 */
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { logHeader } from "./transaction-log.ts";

export class LogFile {
  private readonly fd: number;
  private pending: string[] = [];
  private scheduled = false;

  constructor(readonly path: string) {
    const existing = readLogText(path);
    this.fd = openSync(path, "a");
    if (existing === "") this.write(`${logHeader}\n`);
    else if (!existing.endsWith("\n")) this.write("\n"); // end a line torn by a kill
  }

  append(line: string): void {
    this.pending.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join("");
    this.pending = [];
    this.write(text);
  }

  private write(text: string): void {
    writeSync(this.fd, text);
    fsyncSync(this.fd);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export function readLogText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

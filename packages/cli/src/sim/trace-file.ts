import { closeSync, openSync, writeSync } from "node:fs";

/** Bytes buffered before a trace file is written to. */
const TRACE_BUFFER_BYTES_MAX = 1 << 20;

/** Writes trace lines to a file in large chunks. */
export class TraceFile {
  private readonly fd: number;
  private chunks: string[] = [];
  private bytes = 0;

  constructor(path: string) {
    this.fd = openSync(path, "w");
  }

  readonly write = (line: string): void => {
    this.chunks.push(line, "\n");
    this.bytes += line.length + 1;
    if (this.bytes >= TRACE_BUFFER_BYTES_MAX) this.flush();
  };

  private flush(): void {
    if (this.chunks.length === 0) return;
    writeSync(this.fd, this.chunks.join(""));
    this.chunks = [];
    this.bytes = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

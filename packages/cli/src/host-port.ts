import { UsageError } from "./command.ts";

/** Parses `host:port` (an IPv6 host in brackets: `[::1]:7000`); `where` names the flag or file. */
export function parseHostPort(text: string, where: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[2]) : 0;
  if (!match || port > 65535) throw new UsageError(`${where}: '${text}' is not host:port`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, "$1"), port };
}

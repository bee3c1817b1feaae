import { UsageError } from "./command.ts";

/**
 * Parses `host:port` (an IPv6 host in brackets: `[::1]:7000`); `where` names the flag or file.
 * With `connect`, the address is one to connect to, so port 0 (which only a listener can ask
 * for: any free port) is refused too.
 */
export function parseHostPort(text: string, where: string, init: { connect?: boolean } = {}): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(text.trim());
  if (!match) throw new UsageError(`${where}: '${text}' is not host:port`);
  const port = Number(match[2]);
  const portMin = init.connect ? 1 : 0;
  if (port < portMin || port > 65535) throw new UsageError(`${where}: '${text}' is not host:port (the port must be ${portMin} to 65535)`);
  return { host: match[1]!.replace(/^\[(.*)\]$/, "$1"), port };
}

import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "./command.ts";
import { parseHostPort } from "./host-port.ts";

/** The usage error's message. */
function refusal(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    assert.ok(error instanceof UsageError, String(error));
    return error.message;
  }
  return assert.fail("accepted");
}

test("host:port: an address to connect to refuses port 0 (only a listener can ask for any free port), as it refuses 65536 and up", () => {
  assert.deepEqual(parseHostPort("127.0.0.1:1", "master address", { connect: true }), { host: "127.0.0.1", port: 1 });
  assert.deepEqual(parseHostPort("[::1]:65535", "master address", { connect: true }), { host: "::1", port: 65535 });
  for (const text of ["127.0.0.1:0", "127.0.0.1:00000", "127.0.0.1:65536", "127.0.0.1:99999"]) {
    assert.equal(refusal(() => parseHostPort(text, "master address", { connect: true })), `master address: '${text}' is not host:port (the port must be 1 to 65535)`);
  }
  assert.equal(refusal(() => parseHostPort("127.0.0.1", "master address", { connect: true })), "master address: '127.0.0.1' is not host:port");
});

test("host:port: an address to listen on may name port 0", () => {
  assert.deepEqual(parseHostPort("0.0.0.0:0", "--listen"), { host: "0.0.0.0", port: 0 });
  assert.equal(refusal(() => parseHostPort("h:70000", "--listen")), "--listen: 'h:70000' is not host:port (the port must be 0 to 65535)");
});

// Emulates the Maelstrom harness: node processes speak JSON lines on stdin/stdout; the test
// routes node-to-node messages like Maelstrom's network and plays the clients.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";

const root = new URL("../../../../", import.meta.url).pathname;
const bin = join(root, "packages/cli/bin/skein.js");
const WAIT_MS = 30_000;

interface Message {
  src: string;
  dest: string;
  body: { type: string; msg_id?: number; in_reply_to?: number; [k: string]: unknown };
}

/** A small Maelstrom: starts nodes, routes between them, and answers client requests. */
class Harness {
  private readonly nodes = new Map<string, ChildProcess>();
  private readonly replies = new Map<number, (m: Message) => void>();
  private msgId = 0;
  routed = 0;

  constructor(file: string, ids: string[], t: { after(fn: () => void): void }) {
    for (const id of ids) {
      const child = spawn(process.execPath, [bin, "maelstrom", join(root, file)], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
      this.nodes.set(id, child);
      createInterface({ input: child.stdout! }).on("line", (line) => this.route(JSON.parse(line) as Message));
    }
    t.after(() => {
      for (const child of this.nodes.values()) child.kill("SIGKILL");
    });
  }

  private route(message: Message): void {
    const node = this.nodes.get(message.dest);
    if (node) {
      this.routed++;
      node.stdin!.write(`${JSON.stringify(message)}\n`);
      return;
    }
    const waiter = message.body.in_reply_to === undefined ? undefined : this.replies.get(message.body.in_reply_to);
    waiter?.(message);
  }

  /** A client request; resolves with the node's reply. */
  request(node: string, body: Record<string, unknown> & { type: string }): Promise<Message> {
    const msg_id = ++this.msgId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${body.type} from ${node}`)), WAIT_MS);
      this.replies.set(msg_id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.nodes.get(node)!.stdin!.write(`${JSON.stringify({ src: "c1", dest: node, body: { ...body, msg_id } })}\n`);
    });
  }

  async init(): Promise<void> {
    const ids = [...this.nodes.keys()];
    for (const id of ids) {
      const reply = await this.request(id, { type: "init", node_id: id, node_ids: ids });
      assert.equal(reply.body.type, "init_ok");
    }
  }
}

test("maelstrom: the echo workload — init_ok, echo_ok with in_reply_to, errors with codes", async (t) => {
  const h = new Harness("examples/maelstrom/echo.ts", ["n1"], t);
  await h.init();
  for (let i = 0; i < 20; i++) {
    const reply = await h.request("n1", { type: "echo", echo: `please echo ${i}` });
    assert.deepEqual({ type: reply.body.type, echo: reply.body.echo, src: reply.src, dest: reply.dest }, { type: "echo_ok", echo: `please echo ${i}`, src: "n1", dest: "c1" });
  }
  const unknown = await h.request("n1", { type: "frobnicate" });
  assert.equal(unknown.body.type, "error");
  assert.equal(unknown.body.code, 10, "not-supported");
});

test("maelstrom: the broadcast workload on 3 nodes — every value reaches every node", async (t) => {
  const ids = ["n1", "n2", "n3"];
  const h = new Harness("examples/maelstrom/broadcast.ts", ids, t);
  await h.init();
  for (const id of ids) assert.equal((await h.request(id, { type: "topology", topology: { n1: ["n2"], n2: ["n1", "n3"], n3: ["n2"] } })).body.type, "topology_ok");
  const values = Array.from({ length: 30 }, (_, i) => i * 7);
  await Promise.all(values.map((value, i) => h.request(ids[i % 3]!, { type: "broadcast", message: value }).then((r) => assert.equal(r.body.type, "broadcast_ok"))));
  const expected = [...values].sort((a, b) => a - b);
  const deadline = performance.now() + WAIT_MS;
  for (const id of ids) {
    for (;;) {
      const read = await h.request(id, { type: "read" });
      if (JSON.stringify(read.body.messages) === JSON.stringify(expected)) break;
      if (performance.now() > deadline) assert.fail(`${id} read ${JSON.stringify(read.body.messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  assert.ok(h.routed > 0, "nodes gossiped through the harness");
});

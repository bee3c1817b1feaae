/**
 * The storage conformance suite: what every `Storage` implementation promises (memory for the
 * simulator, the file storage of the net runtime). `reopen` models a process crash: it must
 * return the storage as a restarted process would find it.
 */
import { afterEach, test } from "node:test";
import type { Storage } from "@skein/core";

export interface StorageHarness {
  readonly storage: Storage;
  /** The same storage after a process crash and restart (unsynced writes kept: the OS has them). */
  reopen(): Storage;
  /** Releases what the harness holds (files, directories) after its test. */
  dispose?(): void;
}

function equal(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

export function storageConformance(name: string, makeHarness: () => StorageHarness): void {
  const harnesses: StorageHarness[] = [];
  afterEach(() => {
    for (const harness of harnesses.splice(0)) harness.dispose?.();
  });
  const make = () => {
    const harness = makeHarness();
    harnesses.push(harness);
    return harness;
  };
  test(`${name} storage: put/get/delete, keys sorted and filtered by prefix`, () => {
    const { storage } = make();
    storage.put("k/2", { n: 2 });
    storage.put("k/1", [1, "one", null, true]);
    storage.put("other", "x");
    storage.delete("other");
    storage.delete("never-there");
    equal(storage.get("k/1"), [1, "one", null, true], "get");
    equal(storage.get("other"), undefined, "deleted");
    equal(storage.keys(), ["k/1", "k/2"], "keys");
    equal(storage.keys("k/2"), ["k/2"], "keys by prefix");
  });

  test(`${name} storage: values are copies both ways`, () => {
    const { storage } = make();
    const value = { n: 1 };
    storage.put("v", value);
    value.n = 99;
    equal(storage.get("v"), { n: 1 }, "after mutating the input");
    storage.get<{ n: number }>("v")!.n = 5;
    equal(storage.get("v"), { n: 1 }, "after mutating the output");
  });

  test(`${name} storage: the log appends in order and returns indices`, () => {
    const { storage } = make();
    equal(storage.append("a"), 0, "first index");
    equal(storage.append({ b: 1 }), 1, "second index");
    equal(storage.length, 2, "length");
    equal(storage.records(), ["a", { b: 1 }], "records");
  });

  test(`${name} storage: synced writes survive a process crash, and so do unsynced ones`, async () => {
    const harness = make();
    harness.storage.put("a", 1);
    harness.storage.append("first");
    await harness.storage.sync();
    harness.storage.put("a", 2);
    harness.storage.delete("missing");
    harness.storage.append("second");
    const after = harness.reopen();
    equal(after.get("a"), 2, "value after restart");
    equal(after.records(), ["first", "second"], "log after restart");
    after.put("b", 3);
    await after.sync();
    equal(harness.reopen().keys(), ["a", "b"], "keys after a second restart");
  });
}

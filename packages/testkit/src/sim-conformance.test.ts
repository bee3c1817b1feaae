import { MemoryStorage } from "@skein/core";
import { runtimeConformance } from "./runtime-conformance.ts";
import { simHarness } from "./sim-harness.ts";
import { storageConformance } from "./storage-conformance.ts";

runtimeConformance("sim", async () => simHarness(1));

storageConformance("memory", () => {
  const storage = new MemoryStorage();
  // a process crash keeps the OS-buffered writes: the memory storage object simply lives on
  return { storage, reopen: () => storage };
});

#!/usr/bin/env node
// The `skein` command. Sources are TypeScript, loaded through tsx so that scenario and
// service files written by users (also TypeScript) load the same way.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// `node packages/cli/bin/skein.js ...` runs the `skein` command; see skein.cjs (and bin/skein,
// the command npm links).
import "./skein.cjs";

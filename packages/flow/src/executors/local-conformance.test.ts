// The executor conformance suite against the local back end: commands run as processes of
// this machine through the launcher, in the workflow's directory.
import { conformanceCores, executorConformance } from "@skein/testkit";
import { localExecutor, runFlowWith } from "../../test/executor-harnesses.ts";

executorConformance({
  name: "local",
  skips: {
    // A local command writes straight to the master's own stdout and stderr while it runs (the
    // terminal the user watches), so its report needs no copy of the output; capturing it would
    // take a per-command redirection in the launcher.
    "failure-output": "local commands print on the master's terminal as they run",
  },
  executor: async (directory) => localExecutor(directory),
  runFlow: (file) => runFlowWith(file, { target: "local", jobs: conformanceCores }),
});

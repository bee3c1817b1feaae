// The executor conformance suite against the workers back end: a real master listening on
// 127.0.0.1 and one in-process worker that calls home, runs tasks in its sandboxes and ships
// outputs back.
import { executorConformance } from "@skein/testkit";
import { runFlowWithWorker, workersExecutor } from "../../test/executor-harnesses.ts";

executorConformance({
  name: "workers",
  executor: workersExecutor,
  runFlow: runFlowWithWorker,
});

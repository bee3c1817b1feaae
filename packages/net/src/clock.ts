/**
 * `@skein/net/clock` — the real clock alone, for programs that need real time but not the TCP
 * runtime (`skein flow`, `skein worker`, `skein ftsh`): this entry loads neither the codec nor
 * msgpackr, so the CLI's standalone bundle stays small and self-contained.
 *
 * ```ts
 * import { realClock, realEnvironment } from "@skein/net/clock";
 * const timer = realClock().setTimer(1_000, () => console.log("a second later"));
 * ```
 */
export { realClock } from "./real-clock.ts";
export { realEnvironment } from "./real-environment.ts";

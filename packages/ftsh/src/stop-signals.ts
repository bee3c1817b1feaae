/**
 * Signals on which `skein ftsh` and `skein flow` stop cleanly (what runs is killed, logs are
 * left consistent), and the exit code each gives: 128 + the signal's number, as a shell
 * reports a command the signal killed, so a calling script sees the stop for what it was.
 */
export const stopSignals = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type StopSignal = keyof typeof stopSignals;

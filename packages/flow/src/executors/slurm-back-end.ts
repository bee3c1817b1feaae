import type { BackEnd } from "../run/execute.ts";

export const slurmBackEnd: BackEnd = async () => {
  throw new Error("back end not written yet");
};

import type { ServiceFactory } from "./service.ts";

/**
 * A node's services as one flat list: names and factories, alternating. Lists are never mutated
 * in place, so nodes with the same services share one array (10⁶ simulated nodes count).
 */
export type FactoryList = ReadonlyArray<string | ServiceFactory>;

export const NO_FACTORIES: FactoryList = [];
/** The factory list made last: the next node with the same services shares it. */
let lastFactories: FactoryList = NO_FACTORIES;

/** `list` with `name` and `factory` appended: an exact-size array, shared when equal to the last one. */
export function internFactories(list: FactoryList, name: string, factory: ServiceFactory): FactoryList {
  const length = list.length + 2;
  if (lastFactories.length === length && lastFactories[length - 2] === name && lastFactories[length - 1] === factory) {
    let same = true;
    for (let i = 0; i < list.length && same; i++) same = lastFactories[i] === list[i];
    if (same) return lastFactories;
  }
  const out = list.concat(name, factory);
  lastFactories = out;
  return out;
}

/**
 * Deep copy of a message body, as a wire would make. Messages are almost always plain data
 * (objects, arrays, strings, numbers), which a hand-written walk copies several times faster
 * than `structuredClone`; anything else (Map, Set, Date, typed arrays, class instances) falls
 * back to `structuredClone`. Cycles are not plain data and also fall back.
 */
const MAX_DEPTH = 64;

export function copyMessage<T>(value: T): T {
  return copyAt(value, 0) as T;
}

function copyAt(value: unknown, depth: number): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (depth > MAX_DEPTH) return structuredClone(value);
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyAt(value[i], depth + 1);
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = copyAt((value as Record<string, unknown>)[key], depth + 1);
  return out;
}

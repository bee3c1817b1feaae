/**
 * Cycle detection by iterative depth-first search (no recursion, so a 100 000-deep chain is
 * fine). Returns the rules on one cycle in dependency order, or undefined.
 */
const white = 0;
const grey = 1;
const black = 2;

export function findCycle(dependencies: ReadonlyArray<readonly number[]>): number[] | undefined {
  const color = new Uint8Array(dependencies.length);
  const stack: number[] = [];
  const position = new Int32Array(dependencies.length);
  for (let root = 0; root < dependencies.length; root++) {
    if (color[root] !== white) continue;
    stack.push(root);
    color[root] = grey;
    position[root] = 0;
    while (stack.length > 0) {
      const node = stack[stack.length - 1]!;
      const edges = dependencies[node]!;
      const next = position[node]!;
      if (next >= edges.length) {
        color[node] = black;
        stack.pop();
        continue;
      }
      position[node] = next + 1;
      const child = edges[next]!;
      if (color[child] === grey) {
        // The cycle is the stack from `child` up to `node`; reverse it into "made before" order.
        return stack.slice(stack.indexOf(child)).reverse();
      }
      if (color[child] === white) {
        color[child] = grey;
        position[child] = 0;
        stack.push(child);
      }
    }
  }
  return undefined;
}

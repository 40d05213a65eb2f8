import type { Value } from './value.js';

/** Values reachable from `roots`, inputs before users. Iterative: deep graphs must not overflow the stack. */
export function topoSort(roots: readonly Value[]): Value[] {
  const order: Value[] = [];
  const state = new Map<number, 1 | 2>(); // 1 = on stack, 2 = done
  const stack: { v: Value; next: number }[] = [];
  for (const root of roots) {
    if (state.has(root.id)) continue;
    stack.push({ v: root, next: 0 });
    state.set(root.id, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const ins = top.v.inputs;
      if (top.next < ins.length) {
        const child = ins[top.next++];
        if (!state.has(child.id)) {
          state.set(child.id, 1);
          stack.push({ v: child, next: 0 });
        }
      } else {
        stack.pop();
        state.set(top.v.id, 2);
        order.push(top.v);
      }
    }
  }
  return order;
}

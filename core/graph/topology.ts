interface Link {
  readonly source: string;
  readonly target: string;
}

const adjacency = (ids: readonly string[], links: readonly Link[]) => {
  const next = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const l of links) next.get(l.source)?.push(l.target);
  return next;
};

/** Kahn's algorithm, stable in document order; nodes on a cycle are left out. */
export function topologicalOrder(ids: readonly string[], links: readonly Link[]): string[] {
  const next = adjacency(ids, links);
  const indegree = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const l of links)
    if (indegree.has(l.source)) indegree.set(l.target, (indegree.get(l.target) ?? 0) + 1);
  const ready = ids.filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  while (ready.length) {
    const id = ready.shift() as string;
    order.push(id);
    for (const n of next.get(id) ?? []) {
      const d = (indegree.get(n) ?? 0) - 1;
      indegree.set(n, d);
      if (d === 0) ready.push(n);
    }
  }
  return order;
}

/**
 * The longest path through the graph, as node ids in order, given the nodes in topological order
 * (every link's source before its target).
 */
export function longestPath(order: readonly string[], links: readonly Link[]): string[] {
  const into = new Map<string, string[]>();
  for (const l of links) into.set(l.target, [...(into.get(l.target) ?? []), l.source]);
  const length = new Map<string, number>();
  const before = new Map<string, string>();
  let end: string | undefined;
  for (const id of order) {
    let best = 0;
    for (const source of into.get(id) ?? []) {
      const l = length.get(source) ?? 0;
      if (l > best) {
        best = l;
        before.set(id, source);
      }
    }
    length.set(id, best + 1);
    if (end === undefined || best + 1 > (length.get(end) ?? 0)) end = id;
  }
  const path: string[] = [];
  for (let id = end; id !== undefined; id = before.get(id)) path.push(id);
  return path.reverse();
}

/**
 * One cycle as a list of node ids (first not repeated), or undefined when there is none. A depth-
 * first search with its own stack: a chain of thousands of nodes must not overflow the call stack.
 */
export function findCycle(ids: readonly string[], links: readonly Link[]): string[] | undefined {
  const next = adjacency(ids, links);
  const state = new Map<string, 'open' | 'done'>();
  // The path from the search's root, each node with how many of its successors it has tried.
  const path: string[] = [];
  const tried: number[] = [];
  for (const root of ids) {
    if (state.has(root)) continue;
    state.set(root, 'open');
    path.push(root);
    tried.push(0);
    while (path.length > 0) {
      const top = path.length - 1;
      const id = path[top] as string;
      const successors = next.get(id) ?? [];
      const i = tried[top] as number;
      if (i === successors.length) {
        path.pop();
        tried.pop();
        state.set(id, 'done');
        continue;
      }
      tried[top] = i + 1;
      const n = successors[i] as string;
      if (state.get(n) === 'open') return path.slice(path.indexOf(n));
      if (!state.has(n)) {
        state.set(n, 'open');
        path.push(n);
        tried.push(0);
      }
    }
  }
  return undefined;
}

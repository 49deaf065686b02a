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

/** One cycle as a list of node ids (first not repeated), or undefined when there is none. */
export function findCycle(ids: readonly string[], links: readonly Link[]): string[] | undefined {
  const next = adjacency(ids, links);
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'open');
    path.push(id);
    for (const n of next.get(id) ?? []) {
      if (state.get(n) === 'open') return path.slice(path.indexOf(n));
      if (!state.has(n)) {
        const found = visit(n);
        if (found) return found;
      }
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    if (!state.has(id)) {
      const found = visit(id);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The dense linear algebra of K × K balancing problems (K the number of tasks, a handful), in
 * plain numbers: no tensors, since reading a tiny matrix back from the backend costs more than
 * solving it here.
 */
export type Matrix = readonly (readonly number[])[];

const get = (m: Matrix, i: number, j: number) => m[i]?.[j] ?? 0;

/**
 * Solves A x = b by Gaussian elimination with partial pivoting; undefined when A is singular to
 * working precision (a pivot under 1e-12 of A's largest entry).
 */
export function solveLinear(a: Matrix, b: readonly number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row.slice(0, n), b[i] ?? 0]);
  const scale = Math.max(...a.flatMap((row) => row.map(Math.abs)), 0);
  if (scale === 0) return undefined;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) {
      if (Math.abs(get(m, r, col)) > Math.abs(get(m, pivot, col))) pivot = r;
    }
    if (Math.abs(get(m, pivot, col)) <= 1e-12 * scale) return undefined;
    [m[col], m[pivot]] = [m[pivot] as number[], m[col] as number[]];
    const p = m[col] as number[];
    for (let r = col + 1; r < n; r++) {
      const row = m[r] as number[];
      const f = (row[col] ?? 0) / (p[col] ?? 1);
      for (let c = col; c <= n; c++) row[c] = (row[c] ?? 0) - f * (p[c] ?? 0);
    }
  }
  const x = Array.from({ length: n }, () => 0);
  for (let r = n - 1; r >= 0; r--) {
    let s = get(m, r, n);
    for (let c = r + 1; c < n; c++) s -= get(m, r, c) * (x[c] ?? 0);
    x[r] = s / get(m, r, r);
  }
  return x;
}

/**
 * Eigenvalues and eigenvectors of a symmetric matrix by cyclic Jacobi rotations (Golub & Van
 * Loan §8.5): accurate to working precision for the small Gram matrices here, and free of the
 * sign and order choices of an iterative solver. `vectors[j]` is the unit eigenvector of
 * `values[j]`; values in descending order.
 */
export function symmetricEigen(m: Matrix): { values: number[]; vectors: number[][] } {
  const n = m.length;
  const a = m.map((row) => [...row]);
  const v = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => +(i === j)));
  const off = () =>
    a.reduce((s, row, i) => s + row.reduce((t, x, j) => t + (i === j ? 0 : x * x), 0), 0);
  const total = a.reduce((s, row) => s + row.reduce((t, x) => t + x * x, 0), 0);
  for (let sweep = 0; sweep < 100 && off() > 1e-30 * Math.max(total, 1e-300); sweep++) {
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = get(a, p, q);
        if (apq === 0) continue;
        const theta = (get(a, q, q) - get(a, p, p)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = get(a, k, p);
          const akq = get(a, k, q);
          (a[k] as number[])[p] = c * akp - s * akq;
          (a[k] as number[])[q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = get(a, p, k);
          const aqk = get(a, q, k);
          (a[p] as number[])[k] = c * apk - s * aqk;
          (a[q] as number[])[k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = get(v, k, p);
          const vkq = get(v, k, q);
          (v[k] as number[])[p] = c * vkp - s * vkq;
          (v[k] as number[])[q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => get(a, j, j) - get(a, i, i));
  return {
    values: order.map((i) => get(a, i, i)),
    vectors: order.map((i) => v.map((row) => row[i] ?? 0)),
  };
}

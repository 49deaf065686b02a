/**
 * The small problems of gradient-level balancing, on the Gram matrix G (G[i][j] = g_i · g_j of
 * the tasks' gradients), in plain numbers: a method's answer is a coefficient per task, and the
 * trunk then steps on Σ c_k g_k. Each rule as its paper gives it.
 */
export type Gram = readonly (readonly number[])[];

const at = (g: Gram, i: number, j: number) => g[i]?.[j] ?? 0;
const dot = (a: readonly number[], b: readonly number[]) =>
  a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const times = (g: Gram, w: readonly number[]) => g.map((row) => dot(row, w));

/** MGDA for two tasks, in closed form: α_1 = clip(((g_2 − g_1)·g_2) / ‖g_1 − g_2‖², 0, 1). */
export function mgdaTwo(g: Gram): [number, number] {
  const diff = at(g, 0, 0) - 2 * at(g, 0, 1) + at(g, 1, 1);
  if (diff <= 1e-20) return [0.5, 0.5];
  const a = Math.min(1, Math.max(0, (at(g, 1, 1) - at(g, 0, 1)) / diff));
  return [a, 1 - a];
}

/**
 * MGDA's min-norm point of the simplex, argmin_α ‖Σ α_k g_k‖², by Frank–Wolfe with exact line
 * search (Sener & Koltun's solver); two tasks take the closed form.
 */
export function mgdaWeights(g: Gram, iterations = 250, tolerance = 1e-10): number[] {
  const k = g.length;
  if (k === 1) return [1];
  if (k === 2) return mgdaTwo(g);
  return frankWolfeMinNorm(g, iterations, tolerance);
}

export function frankWolfeMinNorm(g: Gram, iterations = 250, tolerance = 1e-10): number[] {
  const k = g.length;
  let alpha = Array.from({ length: k }, () => 1 / k);
  for (let it = 0; it < iterations; it++) {
    const grad = times(g, alpha); // ∇(½αᵀGα) = Gα
    let t = 0;
    for (let i = 1; i < k; i++) if ((grad[i] ?? 0) < (grad[t] ?? 0)) t = i;
    // Line search between the current point v = Σα g and the vertex g_t: min over γ of
    // ‖(1−γ)v + γ g_t‖².
    const vv = dot(alpha, grad);
    const vt = grad[t] ?? 0;
    const tt = at(g, t, t);
    const denom = vv - 2 * vt + tt;
    if (denom <= 1e-20) break;
    const gamma = Math.min(1, Math.max(0, (vv - vt) / denom));
    if (gamma * Math.sqrt(denom) < tolerance) break;
    alpha = alpha.map((a, i) => (1 - gamma) * a + (i === t ? gamma : 0));
  }
  return alpha;
}

/**
 * PCGrad's projections as coefficients on the original gradients: for each task i, for the
 * others j in the given random order, when g_i' · g_j < 0, g_i' ← g_i' − (g_i'·g_j / ‖g_j‖²) g_j.
 * Returns c with Σ_i g_i' = Σ_j c_j g_j.
 */
export function pcgradCoefficients(
  g: Gram,
  orderFor: (task: number) => readonly number[],
): number[] {
  const k = g.length;
  const total = Array.from({ length: k }, () => 0);
  for (let i = 0; i < k; i++) {
    const c: number[] = Array.from({ length: k }, (_, j) => (j === i ? 1 : 0)); // g_i' = Σ c_j g_j
    for (const j of orderFor(i)) {
      if (j === i) continue;
      const gij = dot(
        c,
        g.map((row) => row[j] ?? 0),
      ); // g_i' · g_j
      const gjj = at(g, j, j);
      if (gij < 0 && gjj > 1e-20) c[j] = (c[j] ?? 0) - gij / gjj;
    }
    c.forEach((x, j) => (total[j] = (total[j] ?? 0) + x));
  }
  return total;
}

/**
 * CAGrad: w = argmin over the simplex of g_wᵀ g_0 + √φ ‖g_w‖ (g_0 the mean gradient,
 * φ = c² ‖g_0‖²), by projected gradient descent with a step that shrinks; then
 * d = g_0 + (√φ / ‖g_w‖) g_w. Returned as coefficients on Σ g (K × those on the mean), so c = 0 is
 * the plain sum, the scale of `fixed`.
 */
export function cagradCoefficients(g: Gram, c: number, iterations = 300): number[] {
  const k = g.length;
  const mean = Array.from({ length: k }, () => 1 / k);
  const gMean = times(g, mean); // G g_0 as coefficients: (G·1/K)_i = g_i · g_0
  const g0Norm2 = dot(mean, gMean);
  const sqrtPhi = c * Math.sqrt(Math.max(g0Norm2, 0));
  if (sqrtPhi <= 0) return mean.map(() => 1);
  const objective = (w: readonly number[]) =>
    dot(w, gMean) + sqrtPhi * Math.sqrt(Math.max(dot(w, times(g, w)), 1e-20));
  let w = [...mean];
  let best = w;
  let bestValue = objective(w);
  const scale = Math.max(...g.map((_, i) => at(g, i, i)), 1e-20);
  for (let it = 0; it < iterations; it++) {
    const gw = times(g, w);
    const norm = Math.sqrt(Math.max(dot(w, gw), 1e-20));
    const grad = gMean.map((x, i) => x + (sqrtPhi * (gw[i] ?? 0)) / norm);
    const step = 1 / (scale * Math.sqrt(it + 1));
    w = projectToSimplex(w.map((x, i) => x - step * (grad[i] ?? 0)));
    const value = objective(w);
    if (value < bestValue) {
      bestValue = value;
      best = w;
    }
  }
  const gwNorm = Math.sqrt(Math.max(dot(best, times(g, best)), 1e-20));
  const lambda = sqrtPhi / gwNorm;
  return best.map((x) => k * (1 / k + lambda * x));
}

/** Euclidean projection onto the probability simplex (Duchi et al. 2008). */
export function projectToSimplex(v: readonly number[]): number[] {
  const sorted = [...v].sort((a, b) => b - a);
  let sum = 0;
  let theta = 0;
  for (let i = 0; i < sorted.length; i++) {
    sum += sorted[i] as number;
    const t = (sum - 1) / (i + 1);
    if ((sorted[i] as number) - t > 0) theta = t;
  }
  return v.map((x) => Math.max(x - theta, 0));
}

/** Norms and pairwise cosines from a Gram matrix; cosine 0 where a gradient is zero. */
export function normsAndCosines(g: Gram): { norms: number[]; cosine: number[][] } {
  const norms = g.map((_, i) => Math.sqrt(Math.max(at(g, i, i), 0)));
  const cosine = g.map((row, i) =>
    row.map((x, j) => {
      const d = (norms[i] ?? 0) * (norms[j] ?? 0);
      return d > 0 ? x / d : 0;
    }),
  );
  return { norms, cosine };
}

/** Adam on a small vector of balancing parameters (log-variances, logits, weights). */
export class VectorAdam {
  private m: number[];
  private v: number[];
  private t = 0;

  constructor(
    size: number,
    private readonly learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = Array.from({ length: size }, () => 0);
    this.v = Array.from({ length: size }, () => 0);
  }

  /** One descent step of `x` along `grad`. */
  step(x: readonly number[], grad: readonly number[]): number[] {
    this.t++;
    const { beta1: b1, beta2: b2 } = this;
    return x.map((xi, i) => {
      const gi = grad[i] ?? 0;
      const m = b1 * (this.m[i] ?? 0) + (1 - b1) * gi;
      const v = b2 * (this.v[i] ?? 0) + (1 - b2) * gi * gi;
      this.m[i] = m;
      this.v[i] = v;
      const mHat = m / (1 - b1 ** this.t);
      const vHat = v / (1 - b2 ** this.t);
      return xi - (this.learningRate * mHat) / (Math.sqrt(vHat) + this.epsilon);
    });
  }

  getState(): { m: number[]; v: number[]; t: number } {
    return { m: [...this.m], v: [...this.v], t: this.t };
  }

  setState(state: { m: number[]; v: number[]; t: number }): void {
    this.m = [...state.m];
    this.v = [...state.v];
    this.t = state.t;
  }
}

export const softmax = (x: readonly number[]): number[] => {
  const max = Math.max(...x);
  const e = x.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

import type { BalancingParams } from '../../../core/balancing/methods.ts';
import type { Gram } from './gram-math.ts';
import { solveLinear } from './linear-algebra.ts';
import { numbersOf, type MethodFactory } from './method.ts';

const dot = (a: readonly number[], b: readonly number[]) =>
  a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);
const times = (g: Gram, w: readonly number[]) => g.map((row) => dot(row, w));

/**
 * Nash-MTL's bargaining weights (Navon et al., ICML 2022): α > 0 with Ĝα = 1/α, Ĝ the Gram
 * matrix over its Frobenius norm (as the authors' code). Instead of their sequence of convex
 * programs (cvxpy), α is the minimiser of the strictly convex f(α) = ½ αᵀĜα − Σ log α_i, whose
 * gradient Ĝα − 1/α vanishes exactly there, found by Newton's method (Hessian Ĝ + diag(1/α²))
 * with a backtracking line search that keeps α positive (accepting a step that lowers f or the
 * residual), from the last step's α; at most
 * `iterations` Newton steps, stopping when ‖Ĝα − 1/α‖ < 1e-12.
 */
export function nashWeights(g: Gram, start: readonly number[], iterations: number): number[] {
  const k = g.length;
  const norm = Math.sqrt(g.reduce((s, row) => s + dot(row, row), 0));
  if (!(norm > 0)) return [...start];
  const gh = g.map((row) => row.map((x) => x / norm));
  const f = (a: readonly number[]) =>
    0.5 * dot(a, times(gh, a)) - a.reduce((s, x) => s + Math.log(x), 0);
  const gradient = (a: readonly number[]) => {
    const ga = times(gh, a);
    return a.map((x, i) => (ga[i] ?? 0) - 1 / x);
  };
  const length = (v: readonly number[]) => Math.sqrt(dot(v, v));
  let alpha = start.map((x) => (x > 0 ? x : 1));
  for (let it = 0; it < iterations; it++) {
    const grad = gradient(alpha);
    const residual = length(grad);
    if (residual < 1e-12) break;
    const hessian = gh.map((row, i) =>
      row.map((x, j) => x + (i === j ? 1 / (alpha[i] as number) ** 2 : 0)),
    );
    const step = solveLinear(
      hessian,
      grad.map((x) => -x),
    );
    if (!step) break;
    const before = f(alpha);
    const slope = dot(grad, step);
    let t = 1;
    let next = alpha;
    for (let halvings = 0; halvings < 60; halvings++, t /= 2) {
      const tried = alpha.map((a, i) => a + t * (step[i] ?? 0));
      // Near the answer f's decrease drowns in rounding; the residual's still shows.
      const better = f(tried) <= before + 1e-4 * t * slope || length(gradient(tried)) < residual;
      if (tried.every((a) => a > 0) && better) {
        next = tried;
        break;
      }
    }
    if (next === alpha) break;
    alpha = next;
  }
  return alpha.length === k ? alpha : [...start];
}

/**
 * Nash-MTL as the authors' code runs it: every `updateWeightsEvery` steps α is solved from the
 * tasks' trunk gradients (one backward pass per task); the network, heads included, steps on
 * Σ α_k L̃_k (between solves with the last α, at the cost of a plain step), and the trunk's
 * gradient is clipped to norm `maxNorm`. The reported weights are the trunk's coefficients
 * after clipping.
 */
export const nashMtlMethod: MethodFactory<BalancingParams<'nash-mtl'>> = (kit, p) => {
  const k = kit.heads.length;
  let alpha = Array.from({ length: k }, () => 1);
  let steps = 0;
  const clip = (gram: Gram, c: readonly number[]) => {
    const norm = Math.sqrt(Math.max(dot(c, times(gram, c)), 0));
    return p.maxNorm > 0 && norm > p.maxNorm ? c.map((x) => (x * p.maxNorm) / norm) : [...c];
  };
  return {
    async step(batch) {
      const solve = steps % p.updateWeightsEvery === 0;
      steps++;
      if (solve) {
        const { stats, coefficients } = await kit.gradientStep(batch, (gram) => {
          alpha = nashWeights(gram, alpha, p.optimNiter);
          return { trunk: clip(gram, alpha), heads: alpha };
        });
        return { stats, coefficients };
      }
      const used = [...alpha];
      const { stats, trunkScale } = await kit.clippedLossStep(batch, used, p.maxNorm);
      return { stats, coefficients: used.map((a) => a * trunkScale) };
    },
    getState: () => ({ alpha: [...alpha], steps }),
    setState(state) {
      alpha = numbersOf(state, 'alpha', k);
      const saved = (state as { steps?: unknown }).steps;
      steps = typeof saved === 'number' ? saved : 0;
    },
  };
};

import type { BalancingParams } from '../../../core/balancing/methods.ts';
import { tf } from '../tf.ts';
import { VectorAdam } from './gram-math.ts';
import { numbersOf, type MethodFactory } from './method.ts';

/**
 * GradNorm (Chen et al. 2018) on the kernel W of the last shared layer: G_k = w_k ‖∇_W L̃_k‖,
 * Ḡ = mean G, r_k = (L̃_k / L̃_k(0)) / mean_i(L̃_i / L̃_i(0)); L_grad = Σ |G_k − Ḡ r_k^α| with the
 * target held constant, so ∂L_grad/∂w_k = sign(G_k − Ḡ r_k^α) ‖∇_W L̃_k‖ (no second-order
 * autodiff). The weights step with their own Adam and are renormalised to Σ w = K.
 */
export const gradnormMethod: MethodFactory<BalancingParams<'gradnorm'>> = (kit, p) => {
  const k = kit.heads.length;
  let w = Array.from({ length: k }, () => 1);
  let initial: number[] | undefined;
  const adam = new VectorAdam(k, p.learningRate);
  return {
    async step(batch) {
      const norms = await kit.lastSharedNorms(batch);
      const used = [...w];
      const { stats, losses } = await kit.lossStep(batch, (l) =>
        tf.addN(l.map((x, i) => x.mul(used[i] ?? 0))),
      );
      initial ??= losses.map((l) => Math.max(l, 1e-12));
      const ratios = losses.map((l, i) => l / (initial?.[i] ?? 1));
      const meanRatio = ratios.reduce((a, b) => a + b, 0) / k;
      const g = norms.map((n, i) => (used[i] ?? 0) * n);
      const meanG = g.reduce((a, b) => a + b, 0) / k;
      const grad = g.map((gi, i) => {
        const target = meanG * ((ratios[i] ?? 1) / Math.max(meanRatio, 1e-12)) ** p.alpha;
        return Math.sign(gi - target) * (norms[i] ?? 0);
      });
      const stepped = adam.step(w, grad).map((x) => Math.max(x, 1e-4));
      const sum = stepped.reduce((a, b) => a + b, 0);
      w = stepped.map((x) => (k * x) / sum);
      return { stats, coefficients: used };
    },
    getState: () => ({ weights: [...w], initialLosses: initial ?? null, adam: adam.getState() }),
    setState(state) {
      w = numbersOf(state, 'weights', k);
      const saved = (state as { initialLosses?: unknown }).initialLosses;
      initial = saved == null ? undefined : numbersOf(state, 'initialLosses', k);
      adam.setState((state as { adam: ReturnType<VectorAdam['getState']> }).adam);
    },
  };
};

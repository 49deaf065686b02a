import type { BalancingParams } from '../../../core/balancing/methods.ts';
import { tf } from '../tf.ts';
import { VectorAdam } from './gram-math.ts';
import { numbersOf, type MethodFactory } from './method.ts';

/**
 * Kendall et al.: L = Σ ½ e^{-s_k} L̃_k + ½ s_k with s_k = log σ_k² learned (from 0). The network
 * steps with the weights ½ e^{-s_k}; s steps on ∂L/∂s_k = ½ (1 − e^{-s_k} L̃_k) with its own Adam,
 * clamped to ± clamp so a vanishing loss cannot get an unbounded weight.
 */
export const uncertaintyMethod: MethodFactory<BalancingParams<'uncertainty'>> = (kit, p) => {
  let s = kit.heads.map(() => 0);
  const adam = new VectorAdam(s.length, p.learningRate);
  const weights = () => s.map((x) => 0.5 * Math.exp(-x));
  return {
    async step(batch) {
      const w = weights();
      const { stats, losses } = await kit.lossStep(batch, (l) =>
        tf.addN(l.map((x, k) => x.mul(w[k] ?? 0))),
      );
      const grad = s.map((x, k) => 0.5 * (1 - Math.exp(-x) * (losses[k] ?? 0)));
      s = adam.step(s, grad).map((x) => Math.min(p.clamp, Math.max(-p.clamp, x)));
      return { stats, coefficients: w };
    },
    getState: () => ({ logVariances: [...s], adam: adam.getState() }),
    setState(state) {
      s = numbersOf(state, 'logVariances', s.length);
      adam.setState((state as { adam: ReturnType<VectorAdam['getState']> }).adam);
    },
  };
};

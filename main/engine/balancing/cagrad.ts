import type { BalancingParams } from '../../../core/balancing/methods.ts';
import { cagradCoefficients } from './gram-math.ts';
import { stateless, type MethodFactory } from './method.ts';

/** CAGrad (Liu et al. 2021) on the shared trunk, radius c around the mean gradient. */
export const cagradMethod: MethodFactory<BalancingParams<'cagrad'>> = (kit, p) => ({
  ...stateless,
  async step(batch) {
    const { stats, coefficients } = await kit.gradientStep(batch, (gram) =>
      cagradCoefficients(gram, p.c),
    );
    return { stats, coefficients };
  },
});

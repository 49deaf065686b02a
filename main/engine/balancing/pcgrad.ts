import type { BalancingParams } from '../../../core/balancing/methods.ts';
import { createRng, shuffle } from '../../datasets/rng.ts';
import { pcgradCoefficients } from './gram-math.ts';
import { stateless, type MethodFactory } from './method.ts';

/** PCGrad (Yu et al. 2020) on the shared trunk: projections in a seeded random order. */
export const pcgradMethod: MethodFactory<BalancingParams<'pcgrad'>> = (kit, _p, seed) => {
  const rng = createRng(seed, 0x9c9);
  const k = kit.heads.length;
  const orderFor = () => {
    const order = Int32Array.from({ length: k }, (_, i) => i);
    shuffle(order, rng);
    return [...order];
  };
  return {
    ...stateless,
    async step(batch) {
      const { stats, coefficients } = await kit.gradientStep(batch, (gram) =>
        pcgradCoefficients(gram, orderFor),
      );
      return { stats, coefficients };
    },
  };
};

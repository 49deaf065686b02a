import type { BalancingParams } from '../../../core/balancing/methods.ts';
import { createRng, shuffle, type RngState } from '../../datasets/rng.ts';
import { pcgradCoefficients } from './gram-math.ts';
import type { MethodFactory } from './method.ts';

/** The random stream of PCGrad's orders, apart from the run's other streams of the same seed. */
export const PCGRAD_STREAM = 0x9c9;

/**
 * PCGrad (Yu et al. 2020) on the shared trunk: projections in a seeded random order. The
 * generator's state is the method's state, so a resumed run takes the orders it would have.
 */
export const pcgradMethod: MethodFactory<BalancingParams<'pcgrad'>> = (kit, _p, seed) => {
  const rng = createRng(seed, PCGRAD_STREAM);
  const k = kit.heads.length;
  const orderFor = () => {
    const order = Int32Array.from({ length: k }, (_, i) => i);
    shuffle(order, rng);
    return [...order];
  };
  return {
    async step(batch) {
      const { stats, coefficients } = await kit.gradientStep(batch, (gram) =>
        pcgradCoefficients(gram, orderFor),
      );
      return { stats, coefficients };
    },
    getState: () => ({ rng: rng.getState() }),
    setState(state) {
      // Checkpoints from before the orders were saved have none: those runs start them afresh.
      const saved = (state as { rng?: RngState } | null)?.rng;
      if (saved) rng.setState(saved);
    },
  };
};

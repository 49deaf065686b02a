import type { BalancingParams } from '../../../core/balancing/methods.ts';
import { createRng, type RngState } from '../../datasets/rng.ts';
import { tf } from '../tf.ts';
import { softmax } from './gram-math.ts';
import type { MethodFactory } from './method.ts';

/** The random stream of RLW's draws, apart from the run's other streams of the same seed. */
export const RLW_STREAM = 0x71e;

/** K × softmax of K standard normal draws (K × so that their mean is 1, the scale of `fixed`). */
export const rlwWeights = (draws: readonly number[]): number[] =>
  softmax(draws).map((w) => w * draws.length);

/**
 * Random loss weighting (Lin et al. 2021): each step, λ = softmax(λ̃) with λ̃ ~ N(0, I), drawn
 * from the run's seed; the generator's state is the method's state, so a resumed run draws
 * the weights it would have drawn.
 */
export const rlwMethod: MethodFactory<BalancingParams<'rlw'>> = (kit, _p, seed) => {
  const rng = createRng(seed, RLW_STREAM);
  return {
    async step(batch) {
      const w = rlwWeights(kit.heads.map(() => rng.normal()));
      const { stats } = await kit.lossStep(batch, (l) =>
        tf.addN(l.map((x, i) => x.mul(w[i] ?? 0))),
      );
      return { stats, coefficients: w };
    },
    getState: () => ({ rng: rng.getState() }),
    setState(state) {
      rng.setState((state as { rng: RngState }).rng);
    },
  };
};

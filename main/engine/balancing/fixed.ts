import type { BalancingParams } from '../../../core/balancing/methods.ts';
import { tf } from '../tf.ts';
import { stateless, type MethodFactory } from './method.ts';

/** L = Σ L̃_k: each task's loss times its head's loss weight. */
export const fixedMethod: MethodFactory<BalancingParams<'fixed'>> = (kit) => {
  const ones = kit.heads.map(() => 1);
  return {
    ...stateless,
    async step(batch) {
      const { stats } = await kit.lossStep(batch, (losses) => tf.addN([...losses]));
      return { stats, coefficients: ones };
    },
  };
};

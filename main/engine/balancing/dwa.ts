import type { BalancingParams } from '../../../core/balancing/methods.ts';
import { tf } from '../tf.ts';
import { softmax } from './gram-math.ts';
import { numbersOf, type MethodFactory } from './method.ts';

/**
 * Dynamic Weight Average (Liu, Johns, Davison 2019): r_k = L_k(t−1) / L_k(t−2) from epoch-mean
 * losses, w = K · softmax(r / T); w = 1 until two epochs have been seen.
 */
export const dwaMethod: MethodFactory<BalancingParams<'dwa'>> = (kit, p) => {
  const k = kit.heads.length;
  let history: number[][] = [];
  const weights = (): number[] => {
    const [older, last] = history.slice(-2);
    if (!older || !last) return Array.from({ length: k }, () => 1);
    const r = last.map((l, i) => l / Math.max(older[i] ?? 1, 1e-12));
    return softmax(r.map((x) => x / p.temperature)).map((x) => k * x);
  };
  let w = weights();
  return {
    async step(batch) {
      const { stats } = await kit.lossStep(batch, (l) =>
        tf.addN(l.map((x, i) => x.mul(w[i] ?? 0))),
      );
      return { stats, coefficients: w };
    },
    endEpoch(meanLosses) {
      history = [...history.slice(-1), [...meanLosses]];
      w = weights();
    },
    getState: () => ({ lastEpochLosses: history.map((h) => [...h]) }),
    setState(state) {
      const saved = (state as { lastEpochLosses?: unknown }).lastEpochLosses;
      history = Array.isArray(saved) ? saved.map((_, i) => numbersOf({ h: saved[i] }, 'h', k)) : [];
      w = weights();
    },
  };
};

import type { BalancingParams } from '../../../core/balancing/methods.ts';
import { tf } from '../tf.ts';
import { softmax, VectorAdam } from './gram-math.ts';
import { numbersOf, type MethodFactory } from './method.ts';

const EPS = 1e-8;

/** tfjs has no stop-gradient: an identity whose backward pass gives nothing. */
const constant = (x: tf.Tensor): tf.Tensor =>
  tf.customGrad((input) => ({
    value: (input as tf.Tensor).clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }))(x) as tf.Tensor;

/**
 * FAMO (Liu et al. 2023): logits ξ, z = softmax(ξ); the network steps on Σ z_k log L̃_k / c with
 * c = Σ z_k / L̃_k held constant (as the authors' code does), so the coefficient of L̃_k is
 * z_k / (c L̃_k). After the step, δ_k = log L̃_k(before) − log L̃_k(after) on the same batch, and ξ
 * steps with Adam (step β) on ∇_ξ(zᵀδ) + γξ, where ∇_ξ(zᵀδ)_i = z_i (δ_i − zᵀδ).
 */
export const famoMethod: MethodFactory<BalancingParams<'famo'>> = (kit, p) => {
  const k = kit.heads.length;
  let xi = Array.from({ length: k }, () => 0);
  const adam = new VectorAdam(k, p.beta);
  return {
    async step(batch) {
      const z = softmax(xi);
      const { stats, losses: before } = await kit.lossStep(batch, (l) => {
        const logs = l.map((x) => x.add(EPS));
        const c = constant(tf.addN(logs.map((x, i) => tf.scalar(z[i] ?? 0).div(x))));
        return tf.addN(logs.map((x, i) => x.log().mul(z[i] ?? 0))).div(c) as tf.Scalar;
      });
      const after = await kit.losses(batch);
      const delta = before.map((b, i) => Math.log(b + EPS) - Math.log((after[i] ?? 0) + EPS));
      const zd = z.reduce((s, zi, i) => s + zi * (delta[i] ?? 0), 0);
      const grad = z.map((zi, i) => zi * ((delta[i] ?? 0) - zd) + p.gamma * (xi[i] ?? 0));
      xi = adam.step(xi, grad);
      const c = z.reduce((s, zi, i) => s + zi / ((before[i] ?? 0) + EPS), 0);
      return { stats, coefficients: z.map((zi, i) => zi / (c * ((before[i] ?? 0) + EPS))) };
    },
    getState: () => ({ logits: [...xi], adam: adam.getState() }),
    setState(state) {
      xi = numbersOf(state, 'logits', k);
      adam.setState((state as { adam: ReturnType<VectorAdam['getState']> }).adam);
    },
  };
};

import type { OptimizerName } from '../../core/graph/schema.ts';
import { FusedAdamOptimizer } from './fused-adam.ts';
import { tf } from './tf.ts';

export interface OptimizerSettings {
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  readonly momentum: number;
}

/**
 * Adam as Keras configures it (one fused pass per variable where the backend allows); SGD with (non-Nesterov) momentum; RMSprop with rho 0.9. */
export function createOptimizer(s: OptimizerSettings): tf.Optimizer {
  switch (s.optimizer) {
    case 'adam':
      return new FusedAdamOptimizer(s.learningRate, 0.9, 0.999, 1e-7);
    case 'sgd':
      return tf.train.momentum(s.learningRate, s.momentum);
    case 'rmsprop':
      return tf.train.rmsprop(s.learningRate, 0.9, s.momentum, 1e-7);
  }
}

import type { HeadInfo } from '../../../core/graph/analyze.ts';
import type { TaskKind, TASKS } from '../../../core/tasks/registry.ts';
import { tf, type Tensor, type Tensor1D } from '../tf.ts';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  cosineDistance,
  huber,
  maskedL1,
  meanAbsoluteError,
  meanSquaredError,
  pixelCrossentropy,
  type LossFn,
} from './losses.ts';
import { centerNet } from './centernet.ts';

/** What the engine adds to a task kind: a tensor function for each loss the kind may use. */
interface EngineTask<K extends TaskKind> {
  readonly losses: Readonly<Record<(typeof TASKS)[K]['losses'][number], LossFn>>;
}

/** One entry per task kind, each with every loss its spec names: a gap fails to compile. */
const ENGINE_TASKS: { readonly [K in TaskKind]: EngineTask<K> } = {
  class: { losses: { categoricalCrossentropy } },
  attributes: { losses: { binaryCrossentropy } },
  box: { losses: { binaryCrossentropy, meanSquaredError, meanAbsoluteError, huber } },
  numeric: { losses: { meanSquaredError, meanAbsoluteError } },
  objects: { losses: { centerNet } },
  mask: { losses: { pixelCrossentropy } },
  depth: { losses: { maskedL1 } },
  normals: { losses: { cosineDistance } },
};

/** Each task's loss per sample, [batch]. */
export function perSampleLoss(head: HeadInfo, yTrue: Tensor, yPred: Tensor): Tensor1D {
  const losses = ENGINE_TASKS[head.targetKind].losses as Readonly<Record<string, LossFn>>;
  const loss = losses[head.loss];
  if (!loss) throw new Error(`a ${head.targetKind} task has no loss '${head.loss}'`);
  return tf.tidy(() => loss(yTrue, yPred, head));
}

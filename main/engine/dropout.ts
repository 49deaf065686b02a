import { createRng } from '../datasets/rng.ts';
import { tf, type LayersModel } from './tf.ts';

type DropoutArgs = { rate: number; seed: number; name?: string; noiseShape?: number[] };
type DropoutClass = new (args: DropoutArgs) => tf.layers.Layer;

// tfjs does not export its Dropout class by name; it is the one registered for deserialisation.
const [TfDropout] = tf.serialization.SerializationMap.getMap().classNameMap[
  'Dropout'
] as unknown as [DropoutClass];

/**
 * tfjs' Dropout draws its mask from its seed afresh on every call, so a fixed seed gives every
 * training step the same mask. This one draws from (layer seed, training step): a new mask each
 * step, the same for the same seed and step, so a resumed run (whose step count is in its
 * checkpoint) masks exactly as one never stopped. It serialises as tfjs' own Dropout with the
 * layer's seed, so saved models, exports and imports see no difference; inference is unchanged.
 */
class SteppedDropout extends TfDropout {
  private readonly layerSeed: number;

  constructor(args: DropoutArgs) {
    super(args);
    this.layerSeed = args.seed;
  }

  setStep(step: number): void {
    (this as unknown as { seed: number }).seed = createRng(this.layerSeed, step).nextUint32();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.layerSeed };
  }
}

export function createDropout(config: Record<string, unknown>, seed: number): tf.layers.Layer {
  return new SteppedDropout({ ...(config as Omit<DropoutArgs, 'seed'>), seed });
}

/** Gives the model's Dropout layers the step whose masks they draw next. */
export function setDropoutStep(model: LayersModel, step: number): void {
  for (const layer of model.layers) if (layer instanceof SteppedDropout) layer.setStep(step);
}

import { tf, type Tensor } from './tf.ts';

/**
 * The layers of the node kinds Keras has no class for (Gate, CrossStitch). Each is registered
 * once for deserialisation under the class name its node kind gives it, so a saved model.json
 * loads back into the same layers. Both are made of ops every backend has a kernel for (MatMul,
 * Softmax, Split, Mul, AddN and their gradients), so they train on WebAssembly as they are.
 */

type Shape = (number | null)[];
type LayerVariable = ReturnType<tf.layers.Layer['addWeight']>;

const shapesOf = (inputShape: Shape | Shape[]): Shape[] => inputShape as Shape[];
const listOf = (inputs: Tensor | Tensor[]): Tensor[] => (Array.isArray(inputs) ? inputs : [inputs]);

/** A weight of shape [n] per sample, broadcast over the other axes of a tensor of `rank`. */
const perSample = (w: Tensor, rank: number): Tensor =>
  w.reshape([-1, ...Array.from({ length: rank - 1 }, () => 1)]);

interface GateArgs {
  readonly experts: number;
  readonly name?: string;
  /** Seeds the kernel's start; not part of the config (a loaded model has its weights). */
  readonly seed?: number;
}

/** Σ_k softmax(x W + b)_k · expert_k; inputs [x, expert_1, …, expert_K]. */
export class GateLayer extends tf.layers.Layer {
  static readonly className = 'Gate';
  readonly experts: number;
  private readonly seed: number | undefined;
  private kernel?: LayerVariable;
  private bias?: LayerVariable;

  constructor(args: GateArgs) {
    super(args);
    this.experts = args.experts;
    this.seed = args.seed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const features = shapesOf(inputShape)[0]?.at(-1) ?? 0;
    this.kernel = this.addWeight(
      'kernel',
      [features, this.experts],
      'float32',
      tf.initializers.glorotUniform(this.seed === undefined ? {} : { seed: this.seed }),
    );
    this.bias = this.addWeight('bias', [this.experts], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapesOf(inputShape)[1] as Shape;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const [x, ...experts] = listOf(inputs);
      const weights = tf.softmax(
        tf.add(
          tf.matMul(x as Tensor, (this.kernel as LayerVariable).read()),
          (this.bias as LayerVariable).read(),
        ),
      );
      const shares = tf.split(weights, this.experts, 1);
      return tf.addN(experts.map((e, k) => e.mul(perSample(shares[k] as Tensor, e.rank))));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), experts: this.experts };
  }
}

interface CrossStitchArgs {
  readonly columns: number;
  readonly selfWeight: number;
  readonly name?: string;
}

/** Σ_i α_i · column_i with α learned, starting at [selfWeight, rest shared]; own column first. */
export class CrossStitchLayer extends tf.layers.Layer {
  static readonly className = 'CrossStitch';
  readonly columns: number;
  readonly selfWeight: number;
  private alpha?: LayerVariable;

  constructor(args: CrossStitchArgs) {
    super(args);
    this.columns = args.columns;
    this.selfWeight = args.selfWeight;
  }

  override build(): void {
    this.alpha = this.addWeight('alpha', [this.columns], 'float32', tf.initializers.zeros());
    const other = (1 - this.selfWeight) / (this.columns - 1);
    const start = tf.tensor1d(
      Array.from({ length: this.columns }, (_, i) => (i === 0 ? this.selfWeight : other)),
    );
    this.alpha.write(start);
    start.dispose();
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return shapesOf(inputShape)[0] as Shape;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const alpha = tf.split((this.alpha as LayerVariable).read(), this.columns);
      return tf.addN(listOf(inputs).map((x, i) => x.mul(alpha[i] as Tensor)));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), columns: this.columns, selfWeight: this.selfWeight };
  }
}

tf.serialization.registerClass(GateLayer);
tf.serialization.registerClass(CrossStitchLayer);

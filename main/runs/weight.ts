/** A weight: its shape and values, in the layout TensorFlow.js keeps it (Keras'). */
export interface Weight {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

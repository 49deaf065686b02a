/**
 * The one place the engine imports TensorFlow.js from, so every module shares one engine and
 * one set of registered backends (the native packages register theirs into this same core).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export { tf };
export type {
  Tensor,
  Tensor1D,
  Tensor2D,
  Tensor4D,
  LayersModel,
  SymbolicTensor,
} from '@tensorflow/tfjs';

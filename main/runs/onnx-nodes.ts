import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';

// onnx-proto is CommonJS: Node's ES modules see only its default export.
const { onnx } = onnxProto;

/** What the ONNX import reads of nodes and tensors: activations, constants, attributes. */

/** Element-wise ONNX operators that are a Keras Activation layer. */
export const ACTIVATIONS: Readonly<Record<string, string>> = {
  Relu: 'relu',
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  Softmax: 'softmax',
  Softplus: 'softplus',
  Softsign: 'softsign',
  Selu: 'selu',
  Elu: 'elu',
};

/** A constant tensor (an initializer or a Constant node): float32 or int64 values. */
export interface Constant {
  readonly dims: number[];
  readonly values: number[] | Float32Array;
}

export function tensorValues(t: OnnxTypes.ITensorProto): Constant {
  const dims = (t.dims ?? []).map(Number);
  const raw = t.rawData;
  if (t.dataType === onnx.TensorProto.DataType.FLOAT) {
    if (raw && raw.length > 0) return { dims, values: new Float32Array(new Uint8Array(raw).buffer) };
    return { dims, values: Float32Array.from(t.floatData ?? []) };
  }
  if (t.dataType === onnx.TensorProto.DataType.INT64) {
    if (raw && raw.length > 0)
      return { dims, values: Array.from(new BigInt64Array(new Uint8Array(raw).buffer), Number) };
    return { dims, values: (t.int64Data ?? []).map(Number) };
  }
  return { dims, values: [] };
}

function attributeOf(node: OnnxTypes.INodeProto, name: string) {
  return node.attribute?.find((a) => a.name === name);
}
export const intsOf = (node: OnnxTypes.INodeProto, name: string) => attributeOf(node, name)?.ints?.map(Number);
export const intOf = (node: OnnxTypes.INodeProto, name: string) => {
  const a = attributeOf(node, name);
  return a?.i === undefined || a.i === null ? undefined : Number(a.i);
};
export const floatOf = (node: OnnxTypes.INodeProto, name: string) => {
  const a = attributeOf(node, name);
  return a?.f === undefined || a.f === null ? undefined : Number(a.f);
};
export const stringOf = (node: OnnxTypes.INodeProto, name: string) => {
  const s = attributeOf(node, name)?.s;
  return s ? new TextDecoder().decode(s) : undefined;
};

/**
 * A convolution's ONNX kernel [out, in, kh, kw] (transposed: [in, out, kh, kw]) as Keras'
 * [kh, kw, in, out] (transposed: [kh, kw, out, in]): the same move for both.
 */
export function kerasConvKernel(w: Constant): Float32Array {
  const [k0 = 0, k1 = 0, kh = 0, kw = 0] = w.dims;
  const kernel = new Float32Array(k0 * k1 * kh * kw);
  for (let o = 0; o < k0; o++)
    for (let i = 0; i < k1; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          kernel[((y * kw + x) * k1 + i) * k0 + o] = Number(w.values[((o * k1 + i) * kh + y) * kw + x]);
  return kernel;
}

/**
 * A Gemm's or MatMul's matrix ([in, out], or [out, in] with transB) as Keras' Dense kernel
 * [in, out]. After a channels-first flattening (`chw`: its [c, h, w]) the features come in
 * C, H, W order, and row k of the canvas' kernel is feature k of a channels-last flattening.
 */
export function kerasDenseKernel(
  w: Constant,
  transB: boolean,
  chw: readonly number[] | undefined,
): Float32Array {
  const [r = 0, cols = 0] = w.dims;
  const [inputs, units] = transB ? [cols, r] : [r, cols];
  const rowOf = (k: number): number => {
    if (!chw) return k;
    const [ch = 1, h = 1, wd = 1] = chw;
    const [y, x, c] = [Math.floor(k / (wd * ch)), Math.floor(k / ch) % wd, k % ch];
    return (c * h + y) * wd + x;
  };
  const kernel = new Float32Array(inputs * units);
  for (let k = 0; k < inputs; k++)
    for (let u = 0; u < units; u++)
      kernel[k * units + u] = Number(w.values[transB ? u * inputs + rowOf(k) : rowOf(k) * units + u]);
  return kernel;
}

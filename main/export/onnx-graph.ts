import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';

// onnx-proto is CommonJS: Node's ES modules see only its default export.
const { onnx } = onnxProto;

/** The opset the export targets; every operator used exists in it unchanged. */
export const ONNX_OPSET = 13;
/** IR version 7 goes with opset 13, so older runtimes and checkers accept the file. */
const IR_VERSION = 7;

type Attribute = number | readonly number[] | string;

/** A small builder for one ONNX graph: nodes, initialisers and unique tensor names. */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly used = new Set<string>();

  /** A tensor name not used yet, made from a readable stem. */
  fresh(stem: string): string {
    let name = stem;
    for (let i = 1; this.used.has(name); i++) name = `${stem}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name that must appear exactly as given (the graph's input and outputs). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`tensor name '${name}' used twice`);
    this.used.add(name);
    return name;
  }

  floatTensor(stem: string, dims: readonly number[], values: Float32Array): string {
    const name = this.fresh(stem);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(bytes),
    });
    return name;
  }

  /** A 1-D int64 constant: what operators such as Pad take as a shape or amounts. */
  int64Tensor(stem: string, values: readonly number[]): string {
    const name = this.fresh(stem);
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  /** Adds a node; its output is `output` when given, else a fresh name from the op. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, Attribute> = {},
    output?: string,
    stem = opType.toLowerCase(),
  ): string {
    const out = output ?? this.fresh(stem);
    this.nodes.push({
      opType,
      name: this.fresh(`${stem}_node`),
      input: [...inputs],
      output: [out],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return out;
  }

  /**
   * The model file: one float32 input and the named float32 outputs with their shapes, each
   * output's meaning as its doc string and `metadata` as the model's metadata_props.
   */
  encode(
    input: { name: string; shape: readonly (number | string)[] },
    outputs: readonly { name: string; shape: readonly (number | string)[]; doc?: string }[],
    docString: string,
    metadata: Readonly<Record<string, string>> = {},
  ): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'Multitask Studio',
      producerVersion: '1',
      docString,
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: 'multitask',
        node: this.nodes,
        initializer: this.initializers,
        input: [valueInfo(input.name, input.shape)],
        output: outputs.map((o) => ({
          ...valueInfo(o.name, o.shape),
          ...(o.doc ? { docString: o.doc } : {}),
        })),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function attribute(name: string, value: Attribute): OnnxTypes.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'string') {
    return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) && !FLOAT_ATTRIBUTES.has(name)
      ? { name, type: AttributeType.INT, i: value }
      : { name, type: AttributeType.FLOAT, f: value };
  }
  return { name, type: AttributeType.INTS, ints: [...value] };
}

/** Attributes the ONNX operators used here take as floats even when the value is whole. */
const FLOAT_ATTRIBUTES = new Set(['alpha', 'beta', 'gamma', 'epsilon', 'momentum']);

function valueInfo(name: string, shape: readonly (number | string)[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })),
        },
      },
    },
  };
}

/**
 * Every convolution of the given templates, timed kernel by kernel on the WebAssembly backend as a
 * training step runs it: Conv2D, its input gradient and its filter gradient, with the shapes and
 * attributes one real step dispatches (recorded, then replayed alone), fastest of `--repeats`,
 * printed as one JSON line per call with its GMAC/s. One process per thread count, since a process
 * starts the backend once; `--conv xnnpack` puts every Conv2D back on XNNPACK for the baseline:
 *   node --import tsx main/bench/conv-layers-bench.ts --threads=2 --graph=a.json,b.json
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseGraphDocument } from '../../core/graph/load.ts';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import { choiceFlag, intFlag, parseCommandArgs } from '../cli/args.ts';
import { initBackend } from '../engine/backend.ts';
import { batchIndices, disposeBatch, makeBatch } from '../engine/batches.ts';
import { tf } from '../engine/tf.ts';
import { useConv2DProduct } from '../engine/wasm/kernels/conv2d.ts';
import { benchDataset } from './bench-data.ts';
import { bareSteps, withoutProbes } from './training-bench.ts';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

const KERNELS = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'] as const;

interface Call {
  readonly template: string;
  readonly kernel: string;
  readonly inputs: Record<string, readonly number[]>;
  readonly attrs: NamedAttrMap;
}

const { values } = parseCommandArgs('bench', process.argv.slice(2), {
  graph: { type: 'string' },
  threads: { type: 'string' },
  repeats: { type: 'string' },
  'batch-size': { type: 'string' },
  conv: { type: 'string' },
} as const);
// Where Conv2D runs: 'auto' as training does, 'xnnpack' the backend's own kernel everywhere (as
// before the SIMD product), 'product' the product wherever it can run.
const conv = choiceFlag('conv', values.conv, ['auto', 'xnnpack', 'product'] as const) ?? 'auto';
useConv2DProduct(conv === 'xnnpack' ? 'off' : conv === 'product' ? 'always' : 'auto');
const threads = intFlag('threads', values.threads, 1, 8) ?? 1;
const repeats = intFlag('repeats', values.repeats, 1) ?? 7;
const batchSize = intFlag('batch-size', values['batch-size'], 1) ?? 32;
await initBackend('wasm', { threads });

/** The calls of one training step of `path`, once per distinct shapes and attributes. */
async function recordCalls(path: string): Promise<Call[]> {
  const graph = withoutProbes(parseGraphDocument(readFileSync(path, 'utf8')));
  const dataset = benchDataset(graph, 1, batchSize);
  const template = basename(path).replace('.graph.json', '');
  const calls = new Map<string, Call>();
  const restore: (() => void)[] = [];
  // The gradients run Conv2D inside; only the step's own calls count.
  let depth = 0;
  for (const kernel of KERNELS) {
    const config = tf.getKernel(kernel, 'wasm') as { kernelFunc: KernelFunc } | undefined;
    if (config === undefined) continue;
    const original = config.kernelFunc;
    config.kernelFunc = (args) => {
      const inputs = Object.fromEntries(
        Object.entries(args.inputs).map(([k, t]) => [k, [...(t as TensorInfo).shape]]),
      );
      const call = { template, kernel, inputs, attrs: args.attrs ?? {} };
      if (depth === 0) calls.set(JSON.stringify(call), call);
      depth++;
      try {
        return original(args);
      } finally {
        depth--;
      }
    };
    restore.push(() => (config.kernelFunc = original));
  }
  const bare = bareSteps(graph);
  const train = dataset.splits.train;
  const order = Int32Array.from({ length: train.size }, (_, i) => i);
  const [indices] = batchIndices(order, batchSize);
  const batch = makeBatch(train, dataset.imageShape, analyzeGraph(graph).heads, indices!);
  await bare.step(batch);
  disposeBatch(batch);
  bare.dispose();
  for (const r of restore) r();
  return [...calls.values()];
}

/** Multiply-adds of a call: batch · output pixels · kernel taps · C_in · C_out. */
function macs(c: Call): number {
  const filter =
    c.kernel === 'Conv2DBackpropFilter' ? (c.attrs.filterShape as number[]) : c.inputs.filter!;
  const [kh, kw, ci, co] = filter as [number, number, number, number];
  const big =
    c.kernel === 'Conv2DBackpropInput'
      ? c.inputs.dy!
      : c.kernel === 'Conv2D'
        ? undefined
        : c.inputs.dy!;
  let outPixels: number;
  if (big !== undefined) outPixels = big[0]! * big[1]! * big[2]!;
  else {
    const x = c.inputs.x as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      x,
      [kh, kw, ci, co],
      c.attrs.strides as [number, number],
      (c.attrs.dilations as [number, number]) ?? 1,
      c.attrs.pad as 'same',
      c.attrs.dimRoundingMode as 'floor',
      false,
      'channelsLast',
    );
    outPixels = x[0] * info.outHeight * info.outWidth;
  }
  return outPixels * kh * kw * ci * co;
}

function timeCall(c: Call): number {
  const inputs = Object.fromEntries(
    Object.entries(c.inputs).map(([k, s]) => [k, tf.randomNormal(s as number[])]),
  );
  let best = Infinity;
  for (let i = 0; i <= repeats; i++) {
    const start = performance.now();
    const out = tf.engine().runKernel(c.kernel, inputs, c.attrs) as tf.Tensor;
    const ms = performance.now() - start;
    out.dispose();
    if (i > 0) best = Math.min(best, ms);
  }
  for (const t of Object.values(inputs)) t.dispose();
  return best;
}

for (const path of (values.graph ?? '').split(',')) {
  for (const c of await recordCalls(path)) {
    const ms = timeCall(c);
    const m = macs(c);
    const shape = c.kernel === 'Conv2DBackpropInput' ? c.attrs.inputShape : c.inputs.x;
    const filter = c.kernel === 'Conv2DBackpropFilter' ? c.attrs.filterShape : c.inputs.filter;
    process.stdout.write(
      `${JSON.stringify({
        template: c.template,
        kernel: c.kernel,
        threads,
        conv,
        x: shape,
        filter,
        strides: c.attrs.strides,
        pad: c.attrs.pad,
        ms: Number(ms.toFixed(3)),
        gmacs: Number((m / ms / 1e6).toFixed(2)),
      })}\n`,
    );
  }
}

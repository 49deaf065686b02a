import { analyzeGraph } from '../../core/graph/analyze.ts';
import { batchIndices, disposeBatch, makeBatch } from '../engine/batches.ts';
import type { KernelCall } from '../engine/kernel-placement.ts';
import { tf } from '../engine/tf.ts';
import { bareSteps, type BenchSettings } from './training-bench.ts';

export interface KernelTime {
  readonly kernel: string;
  /** Milliseconds a training step spends in this kernel, summed over its calls. */
  readonly msPerStep: number;
  readonly callsPerStep: number;
}

export interface KernelProfile {
  /** Slowest first. */
  readonly kernels: readonly KernelTime[];
  /** Every kernel's time in a step, summed. */
  readonly kernelMsPerStep: number;
  /** Wall-clock milliseconds of a profiled step (the rest is JavaScript around the kernels). */
  readonly stepMs: number;
  readonly steps: number;
  /** Each kernel dispatch of the profiled steps, once per kernel and shapes (for kernel-placement.ts). */
  readonly calls: readonly KernelCall[];
}

/**
 * Where a training step goes, kernel by kernel: the bare loop's step (forward, backward, optimizer
 * update) under `tf.profile`, after one unprofiled warm-up step, summed over `steps` batches.
 * The engine's own kernels (the wasm convolution gradients, BatchMatMul, MaxPoolGrad) count as
 * one kernel each, whatever they call inside.
 */
export async function kernelProfile(s: BenchSettings, steps: number): Promise<KernelProfile> {
  const bare = bareSteps(s.graph);
  const train = s.dataset.splits.train;
  const heads = analyzeGraph(s.graph).heads;
  const order = Int32Array.from({ length: train.size }, (_, i) => i);
  const batches = [...batchIndices(order, s.batchSize)];
  const step = async (i: number) => {
    const indices = batches[i % batches.length] as Int32Array;
    const batch = makeBatch(train, s.dataset.imageShape, heads, indices);
    await bare.step(batch);
    disposeBatch(batch);
  };
  await step(0);
  const totals = new Map<string, { ms: number; calls: number }>();
  const calls = new Map<string, KernelCall>();
  let stepMs = 0;
  for (let i = 1; i <= steps; i++) {
    const start = performance.now();
    const info = await tf.profile(() => step(i));
    stepMs += performance.now() - start;
    for (const k of info.kernels) {
      const t = totals.get(k.name) ?? { ms: 0, calls: 0 };
      t.ms += Number(k.kernelTimeMs);
      t.calls++;
      totals.set(k.name, t);
      const call = { name: k.name, inputShapes: k.inputShapes, outputShapes: k.outputShapes };
      calls.set(JSON.stringify(call), call);
    }
  }
  bare.dispose();
  const kernels = [...totals]
    .map(([kernel, t]) => ({ kernel, msPerStep: t.ms / steps, callsPerStep: t.calls / steps }))
    .sort((a, b) => b.msPerStep - a.msPerStep);
  return {
    kernels,
    kernelMsPerStep: kernels.reduce((sum, k) => sum + k.msPerStep, 0),
    stepMs: stepMs / steps,
    steps,
    calls: [...calls.values()],
  };
}

/** The slowest `top` kernels as table rows, then the rest and the total. */
export function profileRows(p: KernelProfile, top = 10): string[][] {
  const rows = [['kernel', 'ms per step', 'calls per step', 'share']];
  const share = (ms: number) => `${((ms / p.kernelMsPerStep) * 100).toFixed(0)}%`;
  for (const k of p.kernels.slice(0, top)) {
    rows.push([k.kernel, k.msPerStep.toFixed(1), k.callsPerStep.toFixed(0), share(k.msPerStep)]);
  }
  const rest = p.kernels.slice(top);
  const restMs = rest.reduce((sum, k) => sum + k.msPerStep, 0);
  const restCalls = rest.reduce((sum, k) => sum + k.callsPerStep, 0);
  if (rest.length > 0) {
    rows.push([`${rest.length} others`, restMs.toFixed(1), restCalls.toFixed(0), share(restMs)]);
  }
  rows.push(['all kernels', p.kernelMsPerStep.toFixed(1), '', '100%']);
  return rows;
}

import { cpus } from 'node:os';
import { analyzeGraph } from '../../core/graph/analyze.ts';
import type { GraphDocument } from '../../core/graph/schema.ts';
import { kindSpec } from '../../core/nodes/registry.ts';

/**
 * Multiply-adds of one sample's forward pass through the graph's convolutions and Dense layers
 * (heads included): what dominates a step. Pooling, normalisation and element-wise work are left
 * out, so the share of peak computed from it is a lower bound.
 */
export function forwardMultiplyAdds(graph: GraphDocument): number {
  let total = 0;
  for (const node of analyzeGraph(graph).nodes.values()) {
    if (node.params === undefined || node.outputShape === undefined) continue;
    const { className, config } = kindSpec(node.kind).layer(node.params, node.id);
    const input = node.inputShapes[0] ?? [];
    const inSize = input.reduce((a, b) => a * b, 1);
    const [kh = 1, kw = 1] = (config['kernelSize'] as number[] | undefined) ?? [];
    const filters = Number(config['filters'] ?? 0);
    const [oh = 0, ow = 0] = node.outputShape;
    const [ih = 0, iw = 0, cin = 0] = input;
    if (className === 'Conv2D') total += oh * ow * kh * kw * cin * filters;
    else if (className === 'Conv2DTranspose') total += ih * iw * kh * kw * cin * filters;
    else if (className === 'Dense') total += inSize * Number(config['units'] ?? 0);
  }
  return total;
}

/**
 * Floating-point operations of one training sample: forward, the input gradient and the weight
 * gradient each take about the forward's multiply-adds, two operations each.
 */
export const trainingFlops = (graph: GraphDocument): number => 3 * 2 * forwardMultiplyAdds(graph);

export interface Peak {
  readonly ghz: number;
  readonly cores: number;
  /** GFLOP/s of 128-bit SIMD without and with fused multiply-add, and of the CPU's native width. */
  readonly simd128: number;
  readonly simd128Fma: number;
  readonly native: number;
  readonly nativeWidth: number;
}

/**
 * The machine's peak as clock × threads × operations a cycle, assuming two vector floating-point
 * instructions a cycle (two FMA or multiply ports, as on current x86 cores): 4 lanes × 2 = 8 a
 * cycle for WebAssembly's 128-bit SIMD without FMA, 16 with it, and 16 lanes (AVX-512) or 8 (AVX2)
 * × 2 × 2 natively. The clock is the one the system reports (no turbo), so shares can exceed what
 * a core really sustains only where it boosts.
 */
export function machinePeak(threads: number, cpuinfo: string): Peak {
  // Some virtual machines report no speed to Node; /proc/cpuinfo still has the clock.
  const mhz = cpus()[0]?.speed || Number(cpuinfo.match(/^cpu MHz\s*:\s*([\d.]+)/m)?.[1] ?? 0);
  const ghz = mhz / 1000;
  const cpuFlags = cpuinfo.match(/^flags\s*:(.*)$/m)?.[1] ?? '';
  const lanes = /\bavx512f\b/.test(cpuFlags) ? 16 : /\bavx2\b/.test(cpuFlags) ? 8 : 4;
  const per = ghz * threads * 2;
  return {
    ghz,
    cores: threads,
    simd128: per * 4,
    simd128Fma: per * 4 * 2,
    native: per * lanes * 2,
    nativeWidth: lanes * 32,
  };
}

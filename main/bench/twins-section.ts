import { readFileSync } from 'node:fs';
import type { BackendInfo } from '../../core/contract/training.ts';
import { table } from '../cli/format.ts';
import { withPlacement } from '../engine/kernel-placement.ts';
import { engineLoopRecords } from '../engine/wasm/parallel.ts';
import { benchDataset } from './bench-data.ts';
import { machinePeak, trainingFlops, type Peak } from './flops.ts';
import { kernelProfile, profileRows } from './kernel-profile.ts';
import { measureSimdPeak } from './simd-peak.ts';
import { withoutProbes } from './training-bench.ts';
import { errorSentence, readTemplate, twinRows, twinsBench } from './twins-bench.ts';
import { median } from './training-bench.ts';

export interface TwinsSectionSettings {
  readonly templates: readonly string[];
  readonly backend: BackendInfo;
  readonly threads: number;
  /** The template's own batch size where undefined. */
  readonly batchSize: number | undefined;
  readonly batches: number;
  readonly epochs: number;
  readonly rounds: number;
  /** How long a side's process may print nothing; twinSilenceMs when undefined. */
  readonly silenceMs: number | undefined;
}

const cpuinfo = (): string => {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
};

/** One template's twin table, its share of peak, its backend line and its studio kernel profile. */
async function templateSection(
  s: TwinsSectionSettings,
  name: string,
  peak: Peak,
): Promise<string[]> {
  const graph = withoutProbes(readTemplate(name));
  const batchSize = s.batchSize ?? graph.training.batchSize;
  const flops = trainingFlops(graph);
  const sides = await twinsBench({
    template: name,
    threads: s.threads,
    batchSize,
    batches: s.batches,
    epochs: s.epochs,
    rounds: s.rounds,
    ...(s.silenceMs !== undefined ? { silenceMs: s.silenceMs } : {}),
  });
  const studio = median(sides.find((x) => x.name === 'studio')?.rates ?? []);
  const gflops = (studio * flops) / 1e9;
  const dataset = benchDataset(graph, s.batches, batchSize);
  const profile = await kernelProfile(
    { graph, dataset, backend: s.backend, batchSize, epochs: s.epochs },
    s.batches,
  );
  const backend = withPlacement(s.backend, profile.calls);
  return [
    `${graph.name} (${name}), batch ${batchSize}, ≈ ${(flops / 1e6).toFixed(0)} MFLOP a training sample:`,
    table(twinRows(sides, flops), [1, 2, 3]),
    `Studio share of peak: ${((gflops / peak.simd128) * 100).toFixed(0)}% of 128-bit SIMD without FMA, ${((gflops / peak.simd128Fma) * 100).toFixed(0)}% with FMA, ${((gflops / peak.native) * 100).toFixed(0)}% of native.`,
    `Backend of this step: ${backend.name}: ${backend.description}`,
    `Studio step, kernel by kernel (this process, ${profile.steps} profiled steps, ${profile.stepMs.toFixed(0)} ms a step):`,
    table(profileRows(profile), [1, 2, 3]),
  ];
}

/** The twin table of each template, its studio kernel profile and its share of the machine's peak. */
export async function twinsSection(s: TwinsSectionSettings): Promise<string> {
  // Measured before any template, while nothing of the bench's own runs.
  const peak = machinePeak(s.threads, cpuinfo(), measureSimdPeak());
  const out: string[] = [
    `Twins: each template by the studio's trainer and by its own exports' training steps, ${s.threads} threads each, in its own process, ${s.rounds} alternating round(s) of 1 warm-up + ${s.epochs} timed epochs of ${s.batches} batches.`,
    `Peak, measured (simd-peak.ts: independent chains of 128-bit SIMD operations in registers, the fastest of 5 runs on one core, × ${peak.cores} cores): ` +
      `${peak.simd128.toFixed(0)} GFLOP/s of multiplies and adds (WebAssembly SIMD's plain ones), ${peak.simd128Fma.toFixed(0)} with FMA (relaxed SIMD); ` +
      `≈ ${peak.native.toFixed(0)} at the CPU's native ${peak.nativeWidth}-bit FMA (the FMA rate × ${peak.nativeWidth / 128}: what TensorFlow's oneDNN and PyTorch can use, not measurable from WebAssembly). ` +
      `The system reports ${peak.ghz.toFixed(2)} GHz; two vector instructions a cycle at that clock would be ${(peak.ghz * peak.cores * 8).toFixed(0)} GFLOP/s without FMA. ` +
      `FLOP a sample = every layer's forward operations (2 a multiply-add, 1 an add, comparison or elementwise function) × 3 for layers with weights (forward, input and weight gradients), × 2 for the rest (flops.ts).`,
    '',
  ];
  for (const name of s.templates) {
    try {
      out.push(...(await templateSection(s, name, peak)), '');
    } catch (e) {
      // One template that cannot be measured leaves the others' tables standing.
      out.push(`${name}: not measured: ${errorSentence(e)}`, '');
    }
  }
  const failed = engineLoopRecords().filter((r) => r.error !== undefined);
  for (const r of failed)
    out.push(`The engine's loop '${r.id}' did not compile and fell back: ${r.error}`);
  return out.join('\n');
}
